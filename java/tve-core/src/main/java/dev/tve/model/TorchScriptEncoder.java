package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.zeros;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A user's TorchScript encoder: a module whose {@code forward(x)} maps [B, C, H, W] float32 to
 * [B, D]. Loading runs one probe forward on zeros [1, C, H, W], so a model that does not fit the
 * declared input, or does not return [B, D], is a clear error before any batch runs. It is a
 * {@link DifferentiableEncoder}: Saliency and Integrated Gradients differentiate through it (its
 * weights are frozen at load, so no gradient state accumulates on them); Grad-CAM needs a layer the
 * plain {@code forward} does not expose and is refused with a message saying so.
 *
 * <pre>{@code
 * Encoder enc = TorchScriptEncoder.load(Path.of("encoder.pt"), 3, 224);
 * }</pre>
 *
 * In eval mode after loading; {@link #embed} may be called from many threads.
 */
public final class TorchScriptEncoder implements DifferentiableEncoder {
  private final JitModule module;
  private final Path file;
  private final int channels;
  private final int imageSize;
  private final int dim;

  private TorchScriptEncoder(JitModule module, Path file, int channels, int imageSize, int dim) {
    this.module = module;
    this.file = file;
    this.channels = channels;
    this.imageSize = imageSize;
    this.dim = dim;
  }

  /** Loads and probes a TorchScript encoder for inputs [B, channels, imageSize, imageSize]. */
  public static TorchScriptEncoder load(Path file, int channels, int imageSize) {
    JitModule m = loadModule(file);
    m.eval();
    // Frozen: gradients flow to the input only, and nothing is left on the weights after a backward pass.
    org.bytedeco.pytorch.named_parameter_list params = m.named_parameters(true);
    for (org.bytedeco.pytorch.named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
      it.access().value().requires_grad_(false);
    }
    long[] shape;
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      IValue out = m.forward(new IValueVector(new IValue(zeros(1, channels, imageSize, imageSize))));
      if (!out.isTensor()) throw new IllegalArgumentException(file + ": forward(x) must return a tensor [B, D]");
      shape = out.toTensor().sizes().vec().get();
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException) throw e;
      throw new IllegalArgumentException(file + ": input [1, " + channels + ", " + imageSize + ", " + imageSize
          + "] does not fit this model (" + firstLine(e) + ")", e);
    }
    if (shape.length != 2 || shape[0] != 1) {
      throw new IllegalArgumentException(file + ": forward(x) returned " + Arrays.toString(shape) + " for input [1, "
          + channels + ", " + imageSize + ", " + imageSize + "]; an encoder must return [B, D]");
    }
    return new TorchScriptEncoder(m, file, channels, imageSize, (int) shape[1]);
  }

  /** Loads a TorchScript file, or a clear error naming it. */
  static JitModule loadModule(Path file) {
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
    try {
      return torch.load(file.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": not a TorchScript module (" + firstLine(e) + ")", e);
    }
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  public Path file() { return file; }

  @Override
  public int dim() { return dim; }

  @Override
  public int channels() { return channels; }

  @Override
  public int imageSize() { return imageSize; }

  @Override
  public float[] embed(Tensor images) {
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor e = module.forward(new IValueVector(new IValue(images))).toTensor().contiguous();
      if (e.dim() != 2 || e.size(1) != dim) {
        throw new IllegalStateException(file + ": forward returned " + Arrays.toString(e.sizes().vec().get()) + ", expected [B, " + dim + "]");
      }
      if (e.scalar_type().value != torch.ScalarType.Float.value) e = e.to(torch.ScalarType.Float);
      float[] out = new float[(int) e.numel()];
      e.data_ptr_float().get(out);
      return out;
    }
  }

  /** Embeddings [B, D] with gradients: the module's forward, checked for shape. */
  @Override
  public Tensor forward(Tensor images) {
    Tensor e = module.forward(new IValueVector(new IValue(images))).toTensor();
    if (e.dim() != 2 || e.size(1) != dim) {
      throw new IllegalStateException(file + ": forward returned " + Arrays.toString(e.sizes().vec().get()) + ", expected [B, " + dim + "]");
    }
    return e.scalar_type().value == torch.ScalarType.Float.value ? e : e.to(torch.ScalarType.Float);
  }

  /** Refused: the plain forward exposes no feature map or tokens for Grad-CAM. */
  @Override
  public Tensor forward(Tensor images, java.util.function.Consumer<Tensor> camLayer) {
    throw new IllegalArgumentException("grad-cam needs the encoder's last feature map or its patch tokens; " + file
        + " exposes only forward(x) -> [B, D]");
  }

  @Override
  public String architectureName() {
    return "TorchScript " + file.getFileName();
  }

  /** Nothing to drop: the weights are frozen at load. */
  @Override
  public void zero_grad(boolean setToNone) {}
}
