package dev.tve.model;

import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads users' linear heads: W and b as {@code .npy}, a TorchScript {@code Linear} (parameters
 * {@code weight} and {@code bias}), or any named parameters of a TorchScript module (e.g.
 * {@code fc.weight}). {@link #check} refuses a head whose D does not match the encoder's.
 *
 * <pre>{@code
 * LinearHead head = Heads.fromTorchScript(Path.of("model.pt"), "fc.weight", "fc.bias", classNames);
 * Heads.check(encoder, head);
 * }</pre>
 */
public final class Heads {
  private Heads() {}

  /** W [C, D] and b [C] float32 .npy files; class names default to "0".."C-1" when null. */
  public static LinearHead fromNpy(Path weight, Path bias, List<String> classes) throws IOException {
    NpyArray w = Npy.read(weight);
    if (w.dtype() != NpyArray.DType.FLOAT32 || w.ndim() != 2) {
      throw new IllegalArgumentException(weight + ": head W must be float32 [C, D], got " + w);
    }
    float[] b = new float[(int) w.dim(0)];
    if (bias != null) {
      NpyArray ba = Npy.read(bias);
      if (ba.dtype() != NpyArray.DType.FLOAT32 || ba.ndim() != 1 || ba.dim(0) != w.dim(0)) {
        throw new IllegalArgumentException(bias + ": head b must be float32 [C=" + w.dim(0) + "], got " + ba);
      }
      b = ba.toFloatArray();
    }
    return new LinearHead(weight.getFileName().toString(), w.toFloatArray(), b, names(classes, (int) w.dim(0), weight));
  }

  /** A TorchScript Linear: parameters "weight" [C, D] and "bias" [C]. */
  public static LinearHead fromTorchScriptLinear(Path file, List<String> classes) {
    return fromTorchScript(file, "weight", "bias", classes);
  }

  /** Named parameters of a TorchScript module; {@code biasName} may be null (zero bias). */
  public static LinearHead fromTorchScript(Path file, String weightName, String biasName, List<String> classes) {
    JitModule m = TorchScriptEncoder.loadModule(file);
    Tensor w = null, b = null;
    List<String> seen = new ArrayList<>();
    named_parameter_list params = m.named_parameters(true);
    for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
      NamedTensor nt = it.access();
      String name = nt.name().getString();
      seen.add(name);
      if (name.equals(weightName)) w = nt.value().detach().to(torch.ScalarType.Float).contiguous();
      if (name.equals(biasName)) b = nt.value().detach().to(torch.ScalarType.Float).contiguous();
    }
    if (w == null) throw new IllegalArgumentException(file + ": no parameter '" + weightName + "' (has " + seen + ")");
    if (biasName != null && b == null) throw new IllegalArgumentException(file + ": no parameter '" + biasName + "' (has " + seen + ")");
    long[] ws = w.sizes().vec().get();
    if (ws.length != 2) throw new IllegalArgumentException(file + ": '" + weightName + "' is " + Arrays.toString(ws) + ", need [C, D]");
    int c = (int) ws[0], d = (int) ws[1];
    float[] wf = new float[c * d], bf = new float[c];
    w.data_ptr_float().get(wf);
    if (b != null) {
      if (b.numel() != c) throw new IllegalArgumentException(file + ": '" + biasName + "' has " + b.numel() + " values, need C=" + c);
      b.data_ptr_float().get(bf);
    }
    return new LinearHead(file.getFileName() + ":" + weightName, wf, bf, names(classes, c, file));
  }

  /** Refuses a head that does not fit the encoder, before any batch runs. */
  public static void check(Encoder encoder, LinearHead head) {
    if (head.dim() != encoder.dim()) {
      throw new IllegalArgumentException("head '" + head.name() + "' takes D=" + head.dim() + " but the encoder gives D=" + encoder.dim());
    }
  }

  private static List<String> names(List<String> classes, int c, Path file) {
    if (classes == null) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < c; i++) out.add(Integer.toString(i));
      return out;
    }
    if (classes.size() != c) throw new IllegalArgumentException(file + ": head has " + c + " classes but " + classes.size() + " names were given");
    return classes;
  }
}
