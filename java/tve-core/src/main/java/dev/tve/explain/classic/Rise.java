package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelOutput;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * RISE (Petsiuk et al., 2018): N random masks, each a coarse binary grid (each cell kept with
 * probability p) upsampled bilinearly with a random sub-cell shift; the saliency of a pixel is
 * sum_i f(x * M_i + fill * (1 - M_i)) M_i / (N p), pooled into patches by their mean, f the explained output. Defaults: the
 * paper's 4000 masks and p = 0.5, the cell size scaled to our grid (one cell per patch: a 7 x 7
 * coarse grid on 56 x 56, as the paper's 7 x 7 on 224 x 224), fill zeros in normalised space. The
 * masks are drawn once from the seed and shared by every image, so a map does not depend on the batch
 * it came in. Cost: N forward passes per image.
 *
 * <pre>{@code
 * Rise rise = Rise.builder(ModelOutput.of(encoder, ExplainedOutput.LOGIT, 128), 7).optMasks(4000).optSeed(7).build();
 * float[][] maps = rise.attribute(Images.of(x, n, 1, 56), head, targets, null);
 * }</pre>
 *
 * Threads: the masks are immutable; may be shared.
 */
public final class Rise extends PerturbationExplainer {
  private final int masks, cells, chunk;
  private final double keep;
  private final long seed;
  private final boolean[][] coarse;
  private final int[][] shift;
  private final int cell;

  private Rise(Builder b) {
    super(b.model, b.encoder, b.grid, b.fill);
    this.masks = b.masks;
    this.cells = b.cells > 0 ? b.cells : b.grid;
    this.chunk = b.chunk;
    this.keep = b.keep;
    this.seed = b.seed;
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

  /**
   * @param model the model's explained output
   * @param grid side g of the patch grid
   * @return a builder
   */
  public static Builder builder(ModelOutput model, int grid) {
    return new Builder(model, grid);
  }

  @Override public String name() { return "rise"; }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = baseParameters();
    p.put("masks", masks);
    p.put("cells", cells);
    p.put("keepProbability", keep);
    p.put("seed", seed);
    p.put("internalBatchSize", chunk);
    return p;
  }

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
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    check(images, model, targets, foils);
    float[] x = images.x();
    int n = images.n();
    int f = channels * size * size, plane = size * size, p = grid * grid, pc = size / grid;
    double[][] sal = new double[n][plane];
    float[] batch = new float[chunk * f];
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
        float[] s = score(batch, k, head, targets[i], foils == null ? -1 : foils[i]);
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
    private final ModelOutput model;
    private final int grid;
    private Encoder encoder;
    private int masks = 4000, cells, chunk = 128;
    private double keep = 0.5;
    private float[] fill;
    private long seed = 7;

    private Builder(ModelOutput model, int grid) {
      this.model = model;
      this.grid = grid;
    }

    /** @param v the model's encoder, for {@code explain} (default none: attribute only) @return this */
    public Builder optEncoder(Encoder v) { encoder = v; return this; }

    /** Number of masks N (default 4000, the paper's). */
    public Builder optMasks(int v) { masks = v; return this; }
    /** Cells per side of the coarse grid (default: the patch grid's side). */
    public Builder optCells(int v) { cells = v; return this; }
    /** Probability p that a cell is kept (default 0.5). */
    public Builder optKeepProbability(double v) { keep = v; return this; }
    /** The image masked-out pixels come from (default zeros, in the model's normalised space). */
    public Builder optBaseline(float[] v) { fill = v.clone(); return this; }
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
