package dev.tve.explain.classic;

import dev.tve.explain.PatchExplainer;
import dev.tve.model.ClassScorer;
import java.util.SplittableRandom;

/**
 * RISE (Petsiuk et al., 2018): N random masks, each a coarse binary grid (each cell kept with
 * probability p) upsampled bilinearly with a random sub-cell shift; the saliency of a pixel is
 * sum_i f(x * M_i + fill * (1 - M_i)) M_i / (N p), pooled into patches by their mean. Defaults: the
 * paper's 4000 masks and p = 0.5, the cell size scaled to our grid (one cell per patch: a 7 x 7
 * coarse grid on 56 x 56, as the paper's 7 x 7 on 224 x 224), fill zeros in normalised space. The
 * masks are drawn once from the seed and shared by every image. Cost: N forward passes per image.
 *
 * <pre>{@code
 * Rise rise = Rise.builder(scorer, 1, 56, 7).optMasks(4000).optSeed(7).build();
 * float[][] maps = rise.explain(x, n, targets);
 * }</pre>
 */
public final class Rise implements PatchExplainer {
  private final ClassScorer scorer;
  private final int channels, size, grid, masks, cells, chunk;
  private final double keep;
  private final float[] fill;
  private final boolean[][] coarse;
  private final int[][] shift;
  private final int cell;
  private long forwards;

  private Rise(Builder b) {
    this.scorer = b.scorer;
    this.channels = b.channels;
    this.size = b.size;
    this.grid = b.grid;
    this.masks = b.masks;
    this.cells = b.cells > 0 ? b.cells : b.grid;
    this.chunk = b.chunk;
    this.keep = b.keep;
    this.fill = b.fill != null ? b.fill : new float[b.channels * b.size * b.size];
    Perturb.check(channels, size, grid, fill);
    this.cell = (size + cells - 1) / cells;
    SplittableRandom r = new SplittableRandom(b.seed);
    coarse = new boolean[masks][(cells + 1) * (cells + 1)];
    shift = new int[masks][2];
    for (int i = 0; i < masks; i++) {
      for (int q = 0; q < coarse[i].length; q++) coarse[i][q] = r.nextDouble() < keep;
      shift[i][0] = r.nextInt(cell);
      shift[i][1] = r.nextInt(cell);
    }
  }

  public static Builder builder(ClassScorer scorer, int channels, int size, int grid) {
    return new Builder(scorer, channels, size, grid);
  }

  @Override public String name() { return "rise"; }
  @Override public int grid() { return grid; }
  @Override public long forwardPasses() { return forwards; }

  /** Mask i at pixel resolution: the (cells + 1)^2 grid upsampled bilinearly by the cell size, cropped at its shift. */
  float[] mask(int i) {
    float[] m = new float[size * size];
    int side = cells + 1;
    for (int y = 0; y < size; y++) {
      double v = (y + shift[i][1] + 0.5) / cell - 0.5;
      int y0 = (int) Math.floor(v);
      double fy = v - y0;
      for (int x = 0; x < size; x++) {
        double u = (x + shift[i][0] + 0.5) / cell - 0.5;
        int x0 = (int) Math.floor(u);
        double fx = u - x0;
        double a = at(i, y0, x0, side), bb = at(i, y0, x0 + 1, side), c = at(i, y0 + 1, x0, side), d = at(i, y0 + 1, x0 + 1, side);
        m[y * size + x] = (float) ((1 - fy) * ((1 - fx) * a + fx * bb) + fy * ((1 - fx) * c + fx * d));
      }
    }
    return m;
  }

  private double at(int i, int y, int x, int side) {
    y = Math.max(0, Math.min(side - 1, y));
    x = Math.max(0, Math.min(side - 1, x));
    return coarse[i][y * side + x] ? 1 : 0;
  }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) {
    int f = channels * size * size, plane = size * size, p = grid * grid, pc = size / grid;
    double[][] sal = new double[n][plane];
    float[] batch = new float[chunk * f];
    int[] t = new int[chunk];
    for (int first = 0; first < masks; first += chunk) {
      int k = Math.min(chunk, masks - first);
      float[][] m = new float[k][];
      for (int j = 0; j < k; j++) m[j] = mask(first + j);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++) {
          for (int c = 0; c < channels; c++) {
            for (int q = 0; q < plane; q++) {
              int at = c * plane + q;
              float w = m[j][q];
              batch[j * f + at] = x[i * f + at] * w + fill[at] * (1 - w);
            }
          }
        }
        java.util.Arrays.fill(t, targets[i]);
        float[] s = scorer.probabilities(batch, k, t);
        forwards += k;
        for (int j = 0; j < k; j++) for (int q = 0; q < plane; q++) sal[i][q] += s[j] * m[j][q];
      }
    }
    float[][] out = new float[n][p];
    for (int i = 0; i < n; i++) {
      for (int q = 0; q < plane; q++) out[i][(q / size / pc) * grid + (q % size) / pc] += (float) (sal[i][q] / (masks * keep));
      for (int g = 0; g < p; g++) out[i][g] /= pc * pc;
    }
    return out;
  }

  /** Builder of {@link Rise}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final ClassScorer scorer;
    private final int channels, size, grid;
    private int masks = 4000, cells, chunk = 128;
    private double keep = 0.5;
    private float[] fill;
    private long seed = 7;

    private Builder(ClassScorer scorer, int channels, int size, int grid) {
      this.scorer = scorer;
      this.channels = channels;
      this.size = size;
      this.grid = grid;
    }

    /** Number of masks N (default 4000, the paper's). */
    public Builder optMasks(int v) { masks = v; return this; }
    /** Cells per side of the coarse grid (default: the patch grid's side). */
    public Builder optCells(int v) { cells = v; return this; }
    /** Probability p that a cell is kept (default 0.5). */
    public Builder optKeepProbability(double v) { keep = v; return this; }
    /** The image masked-out pixels come from (default zeros, in the model's normalised space). */
    public Builder optFill(float[] v) { fill = v.clone(); return this; }
    /** Seed of the masks (default 7). */
    public Builder optSeed(long v) { seed = v; return this; }
    /** Masked images per scorer call (default 128). */
    public Builder optInternalBatchSize(int v) { chunk = v; return this; }

    public Rise build() {
      if (masks < 1 || chunk < 1 || keep <= 0 || keep >= 1) throw new IllegalArgumentException("masks >= 1, batch >= 1, 0 < keep < 1");
      return new Rise(this);
    }
  }
}
