package dev.tve.explain;

import dev.tve.image.NativeTensors;
import dev.tve.model.Encoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * What the explainer learns to predict: the frozen encoder's embeddings of x * M_c (only the window
 * around centre c kept) and of x * (1 - M_c) (the window removed). What a masked pixel becomes is the
 * {@link Fill}: zero in normalised pixel space (the reference's perturbation: the dataset mean, the
 * default), black (pixel value 0), or the two alternating row by row. With {@link Coalitions} the
 * patches outside the window are not all removed or all kept: a random coalition S of them is kept
 * in both, the targets being f(x on S + window) and f(x on S), so that E+ - E- learns the window's
 * expected marginal contribution (its Shapley or Banzhaf value as one player) instead of the two
 * extreme ones. Encoder calls are batched in chunks of {@code chunk} images.
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
  private final float[][] fills;
  private final int[] patchOf;   // pixel -> its patch on the grid

  /** Which patches outside a target's window are kept in both of its masked copies. */
  public enum Coalitions {
    /** None in the keep copy, all in the remove copy: the window alone and the window removed (the reference's). */
    NONE,
    /** A coalition of size uniform in 0..Q, then uniform among that size's: the Shapley value's weighting. */
    SHAPLEY,
    /** Each patch with probability 1/2: the Banzhaf value's. */
    BANZHAF;

    /** @return the name as cards and flags write it */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** @param s none, shapley or banzhaf; null reads as none (cards from before coalitions) @return the kind */
    public static Coalitions parse(String s) {
      if (s == null) return NONE;
      for (Coalitions c : values()) if (c.label().equals(s)) return c;
      throw new IllegalArgumentException("coalitions '" + s + "': none, shapley or banzhaf");
    }

    /**
     * @param grid the patch grid's side
     * @param centre the window's centre
     * @param radius the window's radius
     * @param r the random source
     * @return [grid * grid]: the coalition, never a patch of the window (null for NONE)
     */
    public boolean[] draw(int grid, int centre, int radius, java.util.SplittableRandom r) {
      if (this == NONE) return null;
      float[] window = Masks.grid(grid, centre, radius);
      int[] others = new int[window.length];
      int q = 0;
      for (int i = 0; i < window.length; i++) if (window[i] == 0) others[q++] = i;
      boolean[] s = new boolean[window.length];
      if (this == BANZHAF) {
        for (int i = 0; i < q; i++) s[others[i]] = r.nextBoolean();
        return s;
      }
      int k = r.nextInt(q + 1);
      for (int i = 0; i < k; i++) {          // the first k of a partial Fisher-Yates shuffle
        int j = i + r.nextInt(q - i), t = others[i];
        others[i] = others[j];
        others[j] = t;
        s[others[i]] = true;
      }
      return s;
    }
  }

  /** What a masked pixel becomes. */
  public enum Fill {
    /** Zero in normalised space: the dataset mean (the reference's). */
    ZERO,
    /** Pixel value 0: black, the canvas of the deletion measure with black filling. */
    BLACK,
    /** Zero and black alternating by target row (each image's centres get both). */
    MIXED;

    /**
     * @param mean the model's per-channel mean of pixels in [0, 1]
     * @param std its per-channel standard deviation
     * @return the fill vectors, per channel, that rows cycle through
     */
    public float[][] values(float[] mean, float[] std) {
      float[] zero = new float[mean.length], black = new float[mean.length];
      for (int c = 0; c < mean.length; c++) black[c] = -mean[c] / std[c];
      return switch (this) {
        case ZERO -> new float[][] {zero};
        case BLACK -> new float[][] {black};
        case MIXED -> new float[][] {zero, black};
      };
    }

    /** @return the name as cards and flags write it */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** @param s zero, black or mixed; null reads as zero (cards from before fills) @return the fill */
    public static Fill parse(String s) {
      if (s == null) return ZERO;
      for (Fill f : values()) if (f.label().equals(s)) return f;
      throw new IllegalArgumentException("fill '" + s + "': zero, black or mixed");
    }
  }

  /** Masking with zero in normalised space (the reference's). */
  public MaskedTargets(Encoder encoder, int grid, int radius, int chunk) {
    this(encoder, grid, radius, chunk, new float[][] {new float[encoder.channels()]});
  }

  /**
   * @param fills per-channel fill vectors; target row j uses {@code fills[j % fills.length]}
   */
  public MaskedTargets(Encoder encoder, int grid, int radius, int chunk, float[][] fills) {
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    if (fills == null || fills.length == 0) throw new IllegalArgumentException("fills: none");
    for (float[] f : fills) {
      if (f.length != encoder.channels()) throw new IllegalArgumentException("a fill of " + f.length + " channels for an encoder of " + encoder.channels());
    }
    this.fills = fills;
    this.encoder = encoder;
    this.grid = grid;
    this.radius = radius;
    this.chunk = chunk;
    this.masks = new float[grid * grid][];
    for (int c = 0; c < grid * grid; c++) masks[c] = Masks.pixels(grid, encoder.imageSize(), c, radius);
    int size = encoder.imageSize(), side = size / grid;
    this.patchOf = new int[size * size];
    for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) patchOf[y * size + x] = (y / side) * grid + x / side;
  }

  public int grid() { return grid; }
  public int radius() { return radius; }

  /**
   * @param x images [n, C, S, S]
   * @param centres [n * m]: the m centres of image i at [i * m, (i + 1) * m)
   * @return {keep, remove}, each [n * m, D] in the order of {@code centres}
   */
  public float[][] compute(float[] x, int n, int[] centres, int m) {
    return compute(x, n, centres, m, null);
  }

  /**
   * @param x images [n, C, S, S]
   * @param centres [n * m]: the m centres of image i at [i * m, (i + 1) * m)
   * @param m centres per image
   * @param coalitions per row, the patches outside its window kept in both copies ({@link Coalitions#draw}),
   *     or null: none kept with the window, all kept without it
   * @return {keep, remove}, each [n * m, D] in the order of {@code centres}
   */
  public float[][] compute(float[] x, int n, int[] centres, int m, boolean[][] coalitions) {
    if (coalitions != null && coalitions.length != n * m) throw new IllegalArgumentException(coalitions.length + " coalitions for " + n * m + " rows");
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
        float[] mask = masks[centres[row]], fill = fills[row % fills.length];
        boolean[] kept = coalitions == null ? null : coalitions[row];
        for (int ch = 0; ch < c; ch++) {
          int src = image * img + ch * plane, a = j * img + ch * plane, b = (k + j) * img + ch * plane;
          float f = fill[ch];
          if (kept == null) {
            for (int q = 0; q < plane; q++) {
              float v = x[src + q], w = mask[q];
              in[a + q] = w != 0 ? v : f;
              in[b + q] = w != 0 ? f : v;
            }
          } else {
            for (int q = 0; q < plane; q++) {
              float v = x[src + q];
              boolean inS = kept[patchOf[q]];
              in[a + q] = mask[q] != 0 || inS ? v : f;
              in[b + q] = inS ? v : f;
            }
          }
        }
      }
      try (PointerScope scope = new PointerScope()) {
        Tensor t = NativeTensors.copyOf(in, 0, 2L * k, c, s, s);
        float[] e = encoder.embed(t);
        System.arraycopy(e, 0, keep, first * d, k * d);
        System.arraycopy(e, k * d, remove, first * d, k * d);
      }
    }
    return new float[][] {keep, remove};
  }

  /**
   * Per-dimension statistics of the targets of the first {@code n} images of {@code images}
   * ({@code centres} seeded random centres each).
   *
   * @param lo [D] least value over both signs
   * @param hi [D] greatest value over both signs
   * @param meanKeep [D] mean keep target
   * @param meanRemove [D] mean remove target
   * @param sd [D] spread: the root of the mean of the two signs' variances
   */
  public record Statistics(float[] lo, float[] hi, float[] meanKeep, float[] meanRemove, float[] sd) {
    /**
     * The constant dimensions: max - min within 1e-7 of the dimension's magnitude (a dead ReLU
     * channel averages to exactly 0), whose head weights the data never constrains.
     *
     * @return dimension to value, ascending; empty when every dimension varies
     */
    public java.util.SortedMap<Integer, Float> constant() {
      java.util.SortedMap<Integer, Float> constant = new java.util.TreeMap<>();
      for (int k = 0; k < lo.length; k++) {
        if (Float.isFinite(lo[k]) && Float.isFinite(hi[k]) && hi[k] - lo[k] <= 1e-7 * Math.max(Math.abs(lo[k]), Math.abs(hi[k]))) constant.put(k, lo[k]);
      }
      return constant;
    }

    /**
     * The spread as an output scale: each dimension's sd, floored at 1e-6 of the largest (a constant
     * dimension gets 1; its output is fixed anyway).
     *
     * @return [D] scale, every entry &gt; 0
     */
    public float[] scale() {
      float max = 0;
      for (float v : sd) max = Math.max(max, v);
      float[] s = new float[sd.length];
      for (int k = 0; k < s.length; k++) s[k] = sd[k] > 1e-6f * max && sd[k] > 0 ? sd[k] : 1f;
      return s;
    }
  }

  /**
   * The targets' statistics over the first {@code n} images of {@code images}.
   *
   * @param images the images
   * @param n images at most
   * @param centres random centres per image
   * @param seed seed of the centres
   * @return the statistics (NaN means and sd when no image was read)
   */
  public Statistics statistics(dev.tve.image.ImageSource images, int n, int centres, long seed) {
    int d = encoder.dim(), p = grid * grid, batch = 32;
    n = (int) Math.min(n, images.count());
    float[] lo = new float[d], hi = new float[d];
    java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
    java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
    double[][] sum = new double[2][d], sq = new double[2][d];
    long rows = 0;
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    float[] x = new float[batch * images.imageFloats()];
    for (int done = 0; done < n; done += batch) {
      int b = Math.min(batch, n - done);
      images.fill(done, b, x);
      int[] cs = new int[b * centres];
      for (int i = 0; i < cs.length; i++) cs[i] = r.nextInt(p);
      float[][] t = compute(x, b, cs, centres);
      for (int sign = 0; sign < 2; sign++) {
        for (int i = 0; i < t[sign].length; i++) {
          int k = i % d;
          float v = t[sign][i];
          if (v < lo[k]) lo[k] = v;
          if (v > hi[k]) hi[k] = v;
          sum[sign][k] += v;
          sq[sign][k] += (double) v * v;
        }
      }
      rows += cs.length;
    }
    float[] meanKeep = new float[d], meanRemove = new float[d], sd = new float[d];
    for (int k = 0; k < d; k++) {
      double mk = sum[0][k] / rows, mr = sum[1][k] / rows;
      double vk = Math.max(0, sq[0][k] / rows - mk * mk), vr = Math.max(0, sq[1][k] / rows - mr * mr);
      meanKeep[k] = (float) mk;
      meanRemove[k] = (float) mr;
      sd[k] = (float) Math.sqrt((vk + vr) / 2);
    }
    return new Statistics(lo, hi, meanKeep, meanRemove, sd);
  }

  /**
   * The embedding dimensions that are constant over the targets of the first {@code n} images of
   * {@code images} ({@code centres} seeded random centres each, both signs): see {@link Statistics#constant()}.
   *
   * @return dimension to value, ascending; empty when every dimension varies
   */
  public java.util.SortedMap<Integer, Float> constantDimensions(dev.tve.image.ImageSource images, int n, int centres, long seed) {
    return statistics(images, n, centres, seed).constant();
  }
}
