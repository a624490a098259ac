package dev.tve.model;

import dev.tve.image.NativeTensors;
import dev.tve.image.SceneBatches;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Embeddings of many scenes, computed batch by batch (a pointer scope per batch). */
public record Embeddings(float[] values, int[] labels, int dim) {
  public int size() {
    return labels.length;
  }

  /** Embeds scenes [first, first + n) with an encoder in eval mode. */
  public static Embeddings of(Encoder encoder, SceneBatches scenes, long first, int n, int batchSize) {
    int size = scenes.imageFloats(), canvas = scenes.generator().canvas(), dim = encoder.dim();
    float[] out = new float[n * dim];
    int[] labels = new int[n];
    float[] x = new float[batchSize * size];
    int[] y = new int[batchSize];
    for (int done = 0; done < n; done += batchSize) {
      int b = Math.min(batchSize, n - done);
      scenes.fill(first + done, b, x, y);
      System.arraycopy(y, 0, labels, done, b);
      try (PointerScope scope = new PointerScope()) {
        Tensor t = NativeTensors.copyOf(x, 0, b, 1, canvas, canvas);
        float[] e = encoder.embed(t);
        System.arraycopy(e, 0, out, done * dim, b * dim);
      }
    }
    return new Embeddings(out, labels, dim);
  }
}
