package dev.tve.model;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A classification head on an encoder's embeddings: D floats in, one logit per class out. A
 * {@link LinearHead} is what the fused projection kernel serves; an {@link MlpHead} goes through
 * libtorch. Implementations are immutable and may be shared between threads.
 *
 * <pre>{@code
 * Head head = model.head("ten-class");
 * int predicted = head.argmax(embeddings, 0);
 * Tensor logits = head.forward(embeddingTensor);   // [N, C]
 * }</pre>
 */
public interface Head {
  String name();

  /** Input width D. */
  int dim();

  /** Number of classes C. */
  int classes();

  List<String> classNames();

  /** Logits of embedding {@code i} of {@code embeddings} ([N, D] row-major), computed in double. */
  float[] logits(float[] embeddings, int i);

  /** Logits [N, C] of embeddings [N, D] (float32, CPU), through libtorch; differentiable. */
  Tensor forward(Tensor embeddings);

  /** The predicted class of embedding {@code i}. */
  default int argmax(float[] embeddings, int i) {
    float[] l = logits(embeddings, i);
    int best = 0;
    for (int c = 1; c < l.length; c++) if (l[c] > l[best]) best = c;
    return best;
  }

  /** Fraction of embeddings whose argmax equals the label. */
  default double accuracy(float[] embeddings, int[] labels) {
    int ok = 0;
    for (int i = 0; i < labels.length; i++) ok += argmax(embeddings, i) == labels[i] ? 1 : 0;
    return (double) ok / labels.length;
  }

  /** Softmax of logits, in double for stability. */
  static float[] softmax(float[] logits) {
    double max = Double.NEGATIVE_INFINITY, sum = 0;
    for (float v : logits) max = Math.max(max, v);
    double[] e = new double[logits.length];
    for (int c = 0; c < e.length; c++) sum += e[c] = Math.exp(logits[c] - max);
    float[] p = new float[logits.length];
    for (int c = 0; c < p.length; c++) p[c] = (float) (e[c] / sum);
    return p;
  }
}
