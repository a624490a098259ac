package dev.tve.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * An encoder and one of its heads as a {@link ClassScorer}: the encoder runs in chunks of at most
 * {@code chunk} images, the head's softmax in Java (double).
 *
 * <pre>{@code
 * ClassScorer scorer = new ModelScorer(model.encoder(), model.head("ten-class"), 256);
 * float[] p = scorer.probabilities(x, n, predicted);
 * }</pre>
 */
public final class ModelScorer implements ClassScorer {
  private final Encoder encoder;
  private final Head head;
  private final int chunk;
  private long images;

  public ModelScorer(Encoder encoder, Head head, int chunk) {
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    if (head.dim() != encoder.dim()) throw new IllegalArgumentException("head " + head.name() + " takes D=" + head.dim() + ", encoder gives " + encoder.dim());
    this.encoder = encoder;
    this.head = head;
    this.chunk = chunk;
  }

  /** Images scored so far (the forward-pass count of the metrics that used this scorer). */
  public long images() { return images; }

  @Override
  public float[] probabilities(float[] x, int n, int[] targets) {
    float[] out = new float[n];
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      float[] e = embed(x, first, k);
      for (int i = 0; i < k; i++) out[first + i] = Head.softmax(head.logits(e, i))[targets[first + i]];
    }
    return out;
  }

  /** The predicted class of each image. */
  public int[] predict(float[] x, int n) {
    int[] out = new int[n];
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      float[] e = embed(x, first, k);
      for (int i = 0; i < k; i++) out[first + i] = head.argmax(e, i);
    }
    return out;
  }

  private float[] embed(float[] x, int first, int k) {
    int c = encoder.channels(), s = encoder.imageSize(), f = c * s * s;
    images += k;
    try (PointerScope scope = new PointerScope()) {
      FloatPointer p = new FloatPointer((long) k * f);
      p.put(x, first * f, k * f);
      return encoder.embed(torch.from_blob(p, new long[] {k, c, s, s}, new TensorOptions(torch.ScalarType.Float)));
    }
  }
}
