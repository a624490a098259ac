package dev.tve.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The model as the perturbation methods see it: a black box giving the explained output (logit or
 * probability, {@link ExplainedOutput}) of a target, minus a foil, for a batch of images under any
 * head. {@link #of} runs an encoder in chunks of at most {@code internalBatchSize} images and the
 * head in Java (double); tests give hand-made outputs whose attributions are known.
 *
 * <pre>{@code
 * ModelOutput out = ModelOutput.of(model.encoder(), ExplainedOutput.LOGIT, 128);
 * float[] y = out.score(x, n, model.head("ten-class"), targets, null);
 * }</pre>
 *
 * Threads: {@link #of} keeps no state and may serve many threads with an eval-mode encoder.
 */
public interface ModelOutput {
  /** @return input channels C */
  int channels();

  /** @return square input side S */
  int imageSize();

  /** @return what {@link #score} returns */
  ExplainedOutput kind();

  /**
   * @param x images [n, C, S, S], preprocessed as the model expects
   * @param n images
   * @param head the head whose output is explained
   * @param targets the class of each image
   * @param foils the contrast class of each image (-1: none), or null
   * @return the explained output of each image
   */
  float[] score(float[] x, int n, Head head, int[] targets, int[] foils);

  /**
   * @param encoder the encoder (in eval mode)
   * @param kind logit or probability
   * @param internalBatchSize images per encoder call
   * @return the encoder and a head as a black box
   */
  static ModelOutput of(Encoder encoder, ExplainedOutput kind, int internalBatchSize) {
    if (internalBatchSize < 1) throw new IllegalArgumentException("internal batch size: " + internalBatchSize);
    return new ModelOutput() {
      @Override public int channels() { return encoder.channels(); }
      @Override public int imageSize() { return encoder.imageSize(); }
      @Override public ExplainedOutput kind() { return kind; }

      @Override
      public float[] score(float[] x, int n, Head head, int[] targets, int[] foils) {
        if (head.dim() != encoder.dim()) throw new IllegalArgumentException("head " + head.name() + " takes D=" + head.dim() + ", encoder gives " + encoder.dim());
        int c = encoder.channels(), s = encoder.imageSize(), f = c * s * s;
        float[] out = new float[n];
        for (int first = 0; first < n; first += internalBatchSize) {
          int k = Math.min(internalBatchSize, n - first);
          float[] e;
          try (PointerScope scope = new PointerScope()) {
            FloatPointer p = new FloatPointer((long) k * f);
            p.put(x, first * f, k * f);
            e = encoder.embed(torch.from_blob(p, new long[] {k, c, s, s}, new TensorOptions(torch.ScalarType.Float)));
          }
          for (int i = 0; i < k; i++) out[first + i] = kind.of(head.logits(e, i), targets[first + i], foils == null ? -1 : foils[first + i]);
        }
        return out;
      }
    };
  }
}
