package dev.tve.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * An image encoder written with the libtorch C++ frontend: images [B, C, H, W] to embeddings
 * [B, D]. Subclasses build their layers in the constructor and implement {@link #forward}.
 *
 * <p>Threads: training (forward with gradients, optimizer steps) belongs to one thread. Once in
 * eval mode, {@link #embed} only reads the weights, and one encoder may serve many threads at once
 * (each call makes its own no-grad guard and pointer scope).
 */
public abstract class EncoderModule extends Module implements DifferentiableEncoder {
  private final Architecture architecture;

  protected EncoderModule(Architecture architecture) {
    this.architecture = architecture;
  }

  /** The embedding width D. */
  @Override
  public int dim() {
    return architecture.dim();
  }

  @Override
  public int channels() {
    return architecture().channels();
  }

  @Override
  public int imageSize() {
    return architecture().imageSize();
  }

  /** The architecture and its sizes, for the model card. */
  public Architecture architecture() {
    return architecture;
  }

  /**
   * A fresh (untrained) built-in encoder of this architecture: "vit" or "cnn" with the sizes a model
   * card records. Load weights into it with {@code load(InputArchive)}.
   */
  public static EncoderModule create(Architecture a) {
    return switch (a.name()) {
      case "vit" -> new VitEncoder(a.channels(), a.imageSize(), a.size("patch"), a.dim(), a.size("layers"), a.size("heads"));
      case "cnn" -> new CnnEncoder(a.channels(), a.imageSize(), a.size("width"), a.dim());
      default -> throw new IllegalArgumentException("unknown encoder architecture '" + a.name() + "' (built-in: vit, cnn)");
    };
  }

  /** Embeddings [B, D] with gradients (training). */
  @Override
  public abstract Tensor forward(Tensor images);

  @Override
  public String architectureName() {
    return architecture.name();
  }

  /**
   * The same forward pass, handing the activation Grad-CAM reads to {@code camLayer} on the way (so
   * that the caller can {@code retain_grad()} it): [B, K, h, w] feature maps for a CNN (its last
   * convolution, after the ReLU), [B, 1 + P, D] tokens for a ViT (the normalised input of its last
   * block, [CLS] first: the block's output patch tokens never reach the [CLS] embedding).
   */
  @Override
  public abstract Tensor forward(Tensor images, java.util.function.Consumer<Tensor> camLayer);

  /**
   * Embeddings [B, D] without gradients, copied into a new float array [B * D]. Call {@code eval()}
   * first: training-mode layers would behave differently.
   */
  @Override
  public float[] embed(Tensor images) {
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor e = forward(images).contiguous();
      float[] out = new float[(int) e.numel()];
      e.data_ptr_float().get(out);
      return out;
    }
  }

  /**
   * A 2-D convolution plus bias (none when {@code bias} is null). The bias is added separately: wrapping a parameter in a
   * TensorOptional crashed in the presets (see {@link #param}).
   */
  protected static Tensor conv(Tensor x, Tensor weight, Tensor bias, long stride, long padding) {
    Tensor y = org.bytedeco.pytorch.global.torch.conv2d(x, weight, new org.bytedeco.pytorch.TensorOptional(),
        new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, 1);
    return bias == null ? y : y.add(bias.view(1, -1, 1, 1));
  }

  /**
   * Registers a parameter and returns the caller's handle to it. The reference that
   * register_parameter returns points into a vector that moves when more parameters are added, so
   * it must not be kept.
   */
  protected final Tensor param(String name, Tensor value) {
    register_parameter(name, value);
    return value;
  }
}
