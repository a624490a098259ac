package dev.tve.model;

import dev.tve.runtime.ModelFileException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_buffer_iterator;
import org.bytedeco.pytorch.named_buffer_list;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;

/**
 * Refuses weights that are not finite when a model is loaded: one NaN in a head turns every map and
 * probability into NaN, and nothing downstream can tell a NaN map from a flat one.
 *
 * <pre>{@code
 * FiniteWeights.check(module, weightsFile);     // throws ModelFileException naming the file and the tensor
 * }</pre>
 */
public final class FiniteWeights {
  private FiniteWeights() {}

  /**
   * @param values an array read from {@code file}
   * @param file where it came from
   * @throws ModelFileException at the first NaN or infinity
   */
  public static void check(float[] values, Path file) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) throw new ModelFileException(file, "holds " + values[i] + " at index " + i + " (weights must be finite)");
    }
  }

  /**
   * @param module a built-in module (parameters and buffers)
   * @param file its weights file
   * @throws ModelFileException naming the first tensor that holds a NaN or an infinity
   */
  public static void check(Module module, Path file) {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      check(module.named_parameters(true), file);
      check(module.named_buffers(true), file);
    }
  }

  /**
   * @param module a TorchScript module (parameters and buffers)
   * @param file its file
   * @throws ModelFileException naming the first tensor that holds a NaN or an infinity
   */
  public static void check(JitModule module, Path file) {
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      named_parameter_list ps = module.named_parameters(true);
      for (named_parameter_iterator it = ps.begin(); it.notEquals(ps.end()); it = it.increment()) {
        check(it.access().name().getString(), it.access().value(), file);
      }
      named_buffer_list bs = module.named_buffers(true);
      for (named_buffer_iterator it = bs.begin(); it.notEquals(bs.end()); it = it.increment()) {
        check(it.access().name().getString(), it.access().value(), file);
      }
    }
  }

  private static void check(StringTensorDict d, Path file) {
    for (long i = 0; i < d.size(); i++) check(d.get(i).key().getString(), d.get(i).value(), file);
  }

  private static void check(String name, Tensor t, Path file) {
    if (!t.is_floating_point() || t.numel() == 0) return;
    Tensor bad = torch.isfinite(t).logical_not();
    long n = bad.sum().item_long();
    if (n > 0) throw new ModelFileException(file, "tensor '" + name + "' holds " + n + " NaN or infinite value(s) (weights must be finite)");
  }
}
