package dev.tve.explain;

import dev.tve.model.Encoder;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * What the explainer learns to predict: the frozen encoder's embeddings of x * M_c (only the window
 * around centre c kept) and of x * (1 - M_c) (the window removed). Masking is zero in normalised
 * pixel space (the reference's perturbation: the dataset mean). Encoder calls are batched in chunks
 * of {@code chunk} images.
 *
 * <pre>{@code
 * MaskedTargets t = new MaskedTargets(encoder, 7, 1, 256);
 * float[][] pm = t.compute(x, 32, centres, 4);   // pm[0] = f(x * M) [32 * 4, D], pm[1] = f(x * (1 - M))
 * }</pre>
 */
public final class MaskedTargets {
  private final Encoder encoder;
  private final int grid;
  private final int radius;
  private final int chunk;
  private final float[][] masks;

  public MaskedTargets(Encoder encoder, int grid, int radius, int chunk) {
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    this.encoder = encoder;
    this.grid = grid;
    this.radius = radius;
    this.chunk = chunk;
    this.masks = new float[grid * grid][];
    for (int c = 0; c < grid * grid; c++) masks[c] = Masks.pixels(grid, encoder.imageSize(), c, radius);
  }

  public int grid() { return grid; }
  public int radius() { return radius; }

  /**
   * @param x images [n, C, S, S]
   * @param centres [n * m]: the m centres of image i at [i * m, (i + 1) * m)
   * @return {keep, remove}, each [n * m, D] in the order of {@code centres}
   */
  public float[][] compute(float[] x, int n, int[] centres, int m) {
    int c = encoder.channels(), s = encoder.imageSize(), plane = s * s, img = c * plane, d = encoder.dim();
    int total = n * m;
    float[] keep = new float[total * d], remove = new float[total * d];
    // Both signs of the same rows go through the encoder together: chunk rows of 2 * rows images.
    int rows = Math.max(1, chunk / 2);
    float[] in = new float[2 * rows * img];
    for (int first = 0; first < total; first += rows) {
      int k = Math.min(rows, total - first);
      for (int j = 0; j < k; j++) {
        int row = first + j, image = row / m;
        float[] mask = masks[centres[row]];
        for (int ch = 0; ch < c; ch++) {
          int src = image * img + ch * plane, a = j * img + ch * plane, b = (k + j) * img + ch * plane;
          for (int q = 0; q < plane; q++) {
            float v = x[src + q], w = mask[q];
            in[a + q] = v * w;
            in[b + q] = v - v * w;
          }
        }
      }
      try (PointerScope scope = new PointerScope()) {
        Tensor t = torch.from_blob(new FloatPointer(in), new long[] {2L * k, c, s, s},
            new TensorOptions(torch.ScalarType.Float));
        float[] e = encoder.embed(t);
        System.arraycopy(e, 0, keep, first * d, k * d);
        System.arraycopy(e, k * d, remove, first * d, k * d);
      }
    }
    return new float[][] {keep, remove};
  }
}
