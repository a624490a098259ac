package dev.tve.model;

import org.bytedeco.pytorch.Tensor;

/**
 * Anything that maps images [B, C, H, W] to embeddings [B, D]: a built-in {@link EncoderModule} or
 * a user's {@link TorchScriptEncoder}. {@link #embed} runs without gradients and may be called from
 * many threads once the encoder is in eval mode.
 */
public interface Encoder {
  /** Embedding width D. */
  int dim();

  /** Input channels C. */
  int channels();

  /** Square input side H = W. */
  int imageSize();

  /** Embeddings [B * D] of a batch [B, C, H, W]. */
  float[] embed(Tensor images);
}
