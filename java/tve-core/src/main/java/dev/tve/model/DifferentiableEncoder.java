package dev.tve.model;

import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

/**
 * An encoder libtorch can differentiate through: what the gradient methods (Saliency, Integrated
 * Gradients) and Grad-CAM need. Built-in encoders are; a user's TorchScript module can be wrapped.
 *
 * <pre>{@code
 * if (model.encoder() instanceof DifferentiableEncoder d) { Tensor emb = d.forward(images); }
 * }</pre>
 */
public interface DifferentiableEncoder extends Encoder {
  /**
   * @param images [B, C, S, S]
   * @return embeddings [B, D], with gradients
   */
  Tensor forward(Tensor images);

  /**
   * The same forward pass, handing the activation Grad-CAM reads to {@code camLayer} on the way:
   * [B, K, h, w] feature maps (CNN-like) or [B, T, D] tokens (ViT-like, [CLS] first when T = P + 1).
   *
   * @param images [B, C, S, S]
   * @param camLayer receives the Grad-CAM layer's activation
   * @return embeddings [B, D], with gradients
   */
  Tensor forward(Tensor images, Consumer<Tensor> camLayer);

  /**
   * @return null when {@link #forward(Tensor, Consumer)} can tap a layer for Grad-CAM, else what is
   *     missing (for the error message)
   */
  default String camLayerMissing() {
    return null;
  }

  /** @return a short name of the architecture, for messages */
  String architectureName();
}
