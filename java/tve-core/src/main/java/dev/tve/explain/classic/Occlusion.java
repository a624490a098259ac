package dev.tve.explain.classic;

import dev.tve.explain.Masks;
import dev.tve.explain.PatchExplainer;
import dev.tve.model.ClassScorer;

/**
 * Occlusion (Zeiler and Fergus; Captum's {@code Occlusion}) on the patch grid with TVE's window:
 * for every centre patch, the (2r + 1)^2 window around it is replaced by the fill (Captum's
 * baseline; default zeros in normalised space, TVE's own pre-training perturbation) and the drop in
 * the target's score is that window's value; a patch's attribution is the mean over the windows
 * covering it (Captum's stride-1 averaging). Cost: P + 1 forward passes per image.
 *
 * <pre>{@code
 * Occlusion occ = Occlusion.builder(scorer, 1, 56, 7).optRadius(1).build();
 * float[][] maps = occ.explain(x, n, targets);
 * }</pre>
 */
public final class Occlusion implements PatchExplainer {
  private final ClassScorer scorer;
  private final int channels, size, grid, radius;
  private final float[] fill;
  private final boolean[][] windows;
  private long forwards;

  private Occlusion(Builder b) {
    this.scorer = b.scorer;
    this.channels = b.channels;
    this.size = b.size;
    this.grid = b.grid;
    this.radius = b.radius;
    this.fill = b.fill != null ? b.fill : new float[b.channels * b.size * b.size];
    Perturb.check(channels, size, grid, fill);
    int p = grid * grid;
    windows = new boolean[p][p];
    for (int c = 0; c < p; c++) {
      float[] m = Masks.grid(grid, c, radius);
      for (int q = 0; q < p; q++) windows[c][q] = m[q] == 0;   // true: keep the image there
    }
  }

  public static Builder builder(ClassScorer scorer, int channels, int size, int grid) {
    return new Builder(scorer, channels, size, grid);
  }

  @Override public String name() { return "occlusion"; }
  @Override public int grid() { return grid; }
  @Override public long forwardPasses() { return forwards; }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) {
    int p = grid * grid, f = channels * size * size;
    float[][] out = new float[n][];
    float[] batch = new float[(p + 1) * f];
    int[] t = new int[p + 1];
    boolean[] all = new boolean[p];
    java.util.Arrays.fill(all, true);
    for (int i = 0; i < n; i++) {
      Perturb.patches(x, i * f, fill, all, channels, size, grid, batch, 0);
      for (int c = 0; c < p; c++) Perturb.patches(x, i * f, fill, windows[c], channels, size, grid, batch, (c + 1) * f);
      java.util.Arrays.fill(t, targets[i]);
      float[] s = scorer.probabilities(batch, p + 1, t);
      forwards += p + 1;
      double[] sum = new double[p];
      int[] count = new int[p];
      for (int c = 0; c < p; c++) {
        double drop = s[0] - s[c + 1];
        for (int q = 0; q < p; q++) {
          if (!windows[c][q]) {
            sum[q] += drop;
            count[q]++;
          }
        }
      }
      out[i] = new float[p];
      for (int q = 0; q < p; q++) out[i][q] = (float) (sum[q] / count[q]);
    }
    return out;
  }

  /** Builder of {@link Occlusion}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final ClassScorer scorer;
    private final int channels, size, grid;
    private int radius = 1;
    private float[] fill;

    private Builder(ClassScorer scorer, int channels, int size, int grid) {
      this.scorer = scorer;
      this.channels = channels;
      this.size = size;
      this.grid = grid;
    }

    /** Window radius in patches (default 1, TVE's). */
    public Builder optRadius(int v) { radius = v; return this; }
    /** The baseline image the window is filled from (default zeros, in the model's normalised space). */
    public Builder optFill(float[] v) { fill = v.clone(); return this; }

    public Occlusion build() {
      if (radius < 0) throw new IllegalArgumentException("radius: " + radius);
      return new Occlusion(this);
    }
  }
}
