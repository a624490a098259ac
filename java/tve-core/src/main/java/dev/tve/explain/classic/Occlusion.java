package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.explain.Masks;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelOutput;
import java.util.Map;

/**
 * Occlusion (Zeiler and Fergus; Captum's {@code Occlusion}) on the patch grid with TVE's window:
 * for every centre patch, the (2r + 1)^2 window around it is replaced by the baseline and the drop in
 * the explained output is that window's value; a patch's attribution is the mean over the windows
 * covering it (Captum's stride-1 averaging). Cost: P + 1 forward passes per image.
 *
 * <pre>{@code
 * Occlusion occ = Occlusion.builder(ModelOutput.of(encoder, ExplainedOutput.LOGIT, 128), 7).optRadius(1).build();
 * float[][] maps = occ.attribute(Images.of(x, n, 1, 56), head, targets, null);
 * }</pre>
 *
 * Threads: stateless apart from the atomic pass count; may be shared.
 */
public final class Occlusion extends PerturbationExplainer {
  private final int radius;
  private final boolean[][] windows;

  private Occlusion(Builder b) {
    super(b.model, b.encoder, b.grid, b.fill);
    this.radius = b.radius;
    int p = grid * grid;
    windows = new boolean[p][p];
    for (int c = 0; c < p; c++) {
      float[] m = Masks.grid(grid, c, radius);
      for (int q = 0; q < p; q++) windows[c][q] = m[q] == 0;   // true: keep the image there
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

  @Override public String name() { return "occlusion"; }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = baseParameters();
    p.put("radius", radius);
    p.put("stride", 1);
    return p;
  }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    check(images, model, targets, foils);
    float[] x = images.x();
    int n = images.n(), p = grid * grid, f = channels * size * size;
    float[][] out = new float[n][];
    float[] batch = new float[(p + 1) * f];
    boolean[] all = new boolean[p];
    java.util.Arrays.fill(all, true);
    for (int i = 0; i < n; i++) {
      Perturb.patches(x, i * f, fill, all, channels, size, grid, batch, 0);
      for (int c = 0; c < p; c++) Perturb.patches(x, i * f, fill, windows[c], channels, size, grid, batch, (c + 1) * f);
      float[] s = score(batch, p + 1, head, targets[i], foils == null ? -1 : foils[i]);
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
    private final ModelOutput model;
    private final int grid;
    private Encoder encoder;
    private int radius = 1;
    private float[] fill;

    private Builder(ModelOutput model, int grid) {
      this.model = model;
      this.grid = grid;
    }

    /** @param v the model's encoder, for {@link #build()}'s {@code explain} (default none: attribute only) @return this */
    public Builder optEncoder(Encoder v) { encoder = v; return this; }
    /** @param v window radius in patches (default 1, TVE's) @return this */
    public Builder optRadius(int v) { radius = v; return this; }
    /** @param v the baseline image the window is filled from (default zeros, in the model's normalised space) @return this */
    public Builder optBaseline(float[] v) { fill = v.clone(); return this; }

    /** @return the explainer */
    public Occlusion build() {
      if (radius < 0) throw new IllegalArgumentException("radius: " + radius);
      return new Occlusion(this);
    }
  }
}
