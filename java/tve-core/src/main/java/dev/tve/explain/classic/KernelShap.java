package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelOutput;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * KernelSHAP (Lundberg and Lee, 2017) with the patches as players: coalitions z in {0, 1}^P keep
 * the patches with z = 1 and take the rest from the fill (Captum's baseline; default zeros in
 * normalised space). Coalition sizes are drawn with the Shapley kernel's weight, (P - 1) / (k (P - k)),
 * then a uniform subset of that size, so every sample has weight 1 (the shap library's scheme); the
 * efficiency constraint sum(phi) = f(all) - f(none) is exact (one player eliminated), and the rest is
 * a ridge-regularised least-squares fit. Default budget: 2P + 2048 samples, shap's automatic count.
 * Cost: samples + 2 forward passes per image. The coalitions of an image are drawn from the seed and
 * the image's key ({@link Images#keys()}), so its map does not depend on the batch it came in.
 *
 * <pre>{@code
 * KernelShap shap = KernelShap.builder(ModelOutput.of(encoder, ExplainedOutput.LOGIT, 128), 7).optSeed(7).build();
 * float[][] phi = shap.attribute(Images.of(x, n, 1, 56), head, targets, null);   // sums to f(x) - f(baseline)
 * }</pre>
 *
 * Threads: stateless apart from the atomic pass count; may be shared.
 */
public final class KernelShap extends PerturbationExplainer {
  private final int samples, chunk;
  private final double ridge;
  private final long seed;

  private KernelShap(Builder b) {
    super(b.model, b.encoder, b.grid, b.fill);
    int p = b.grid * b.grid;
    this.samples = b.samples > 0 ? b.samples : 2 * p + 2048;
    this.chunk = b.chunk;
    this.ridge = b.ridge;
    this.seed = b.seed;
  }

  /**
   * @param model the model's explained output
   * @param grid side g of the patch grid
   * @return a builder
   */
  public static Builder builder(ModelOutput model, int grid) {
    return new Builder(model, grid);
  }

  @Override public String name() { return "kernel-shap"; }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = baseParameters();
    p.put("samples", samples);
    p.put("ridge", ridge);
    p.put("seed", seed);
    p.put("internalBatchSize", chunk);
    return p;
  }

  /** Samples per image (coalitions besides the empty and the full one). */
  public int samples() { return samples; }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    check(images, model, targets, foils);
    float[] x = images.x();
    int n = images.n();
    int p = grid * grid, f = channels * size * size;
    float[][] out = new float[n][];
    // The Shapley kernel's weight of each coalition size, as a sampling distribution.
    double[] cdf = new double[p];
    double total = 0;
    for (int k = 1; k < p; k++) cdf[k] = total += (p - 1.0) / (k * (double) (p - k));
    for (int i = 0; i < n; i++) {
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + images.keys()[i]);
      boolean[][] z = new boolean[samples + 2][p];
      java.util.Arrays.fill(z[1], true);                     // z[0]: none, z[1]: all
      for (int s = 2; s < samples + 2; s++) {
        double u = r.nextDouble() * total;
        int k = 1;
        while (cdf[k] < u) k++;
        int[] perm = new int[p];
        for (int q = 0; q < p; q++) perm[q] = q;
        for (int q = 0; q < k; q++) {
          int j = q + r.nextInt(p - q), t = perm[q];
          perm[q] = perm[j];
          perm[j] = t;
          z[s][perm[q]] = true;
        }
      }
      double[] y = scoreCoalitions(x, i * f, z, head, targets[i], foils == null ? -1 : foils[i]);
      out[i] = fit(z, y, p);
    }
    return out;
  }

  private double[] scoreCoalitions(float[] x, int src, boolean[][] z, Head head, int target, int foil) {
    int f = channels * size * size;
    double[] y = new double[z.length];
    float[] batch = new float[Math.min(chunk, z.length) * f];
    for (int first = 0; first < z.length; first += chunk) {
      int k = Math.min(chunk, z.length - first);
      for (int j = 0; j < k; j++) Perturb.patches(x, src, fill, z[first + j], channels, size, grid, batch, j * f);
      float[] s = score(batch, k, head, target, foil);
      for (int j = 0; j < k; j++) y[first + j] = s[j];
    }
    return y;
  }

  /** Least squares with sum(phi) = y(all) - y(none) exact: phi_last eliminated. */
  private float[] fit(boolean[][] z, double[] y, int p) {
    double base = y[0], gap = y[1] - y[0];
    int m = p - 1;
    double[][] a = new double[m][m + 1];
    double[] row = new double[m];
    for (int s = 2; s < z.length; s++) {
      double zl = z[s][p - 1] ? 1 : 0, target = y[s] - base - zl * gap;
      for (int j = 0; j < m; j++) row[j] = (z[s][j] ? 1 : 0) - zl;
      for (int j = 0; j < m; j++) {
        if (row[j] == 0) continue;
        for (int l = 0; l < m; l++) a[j][l] += row[j] * row[l];
        a[j][m] += row[j] * target;
      }
    }
    for (int j = 0; j < m; j++) a[j][j] += ridge;
    double[] sol = solve(a, m);
    float[] phi = new float[p];
    double sum = 0;
    for (int j = 0; j < m; j++) {
      sum += sol[j];
      phi[j] = (float) sol[j];
    }
    phi[p - 1] = (float) (gap - sum);
    return phi;
  }

  /** Gaussian elimination with partial pivoting on the augmented m x (m + 1) matrix. */
  static double[] solve(double[][] a, int m) {
    for (int c = 0; c < m; c++) {
      int piv = c;
      for (int r = c + 1; r < m; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
      double[] t = a[c];
      a[c] = a[piv];
      a[piv] = t;
      if (Math.abs(a[c][c]) < 1e-300) continue;   // a player never varied: its phi stays 0
      for (int r = c + 1; r < m; r++) {
        double k = a[r][c] / a[c][c];
        if (k == 0) continue;
        for (int l = c; l <= m; l++) a[r][l] -= k * a[c][l];
      }
    }
    double[] x = new double[m];
    for (int c = m - 1; c >= 0; c--) {
      double s = a[c][m];
      for (int l = c + 1; l < m; l++) s -= a[c][l] * x[l];
      x[c] = Math.abs(a[c][c]) < 1e-300 ? 0 : s / a[c][c];
    }
    return x;
  }

  /** Builder of {@link KernelShap}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final ModelOutput model;
    private final int grid;
    private Encoder encoder;
    private int samples;
    private int chunk = 128;
    private float[] fill;
    private double ridge = 1e-2;
    private long seed = 7;

    private Builder(ModelOutput model, int grid) {
      this.model = model;
      this.grid = grid;
    }

    /** @param v the model's encoder, for {@code explain} (default none: attribute only) @return this */
    public Builder optEncoder(Encoder v) { encoder = v; return this; }

    /** Coalitions per image (Captum's n_samples; default 2P + 2048). */
    public Builder optSamples(int v) { samples = v; return this; }
    /** The baseline image absent patches come from (default zeros, in the model's normalised space). */
    public Builder optBaseline(float[] v) { fill = v.clone(); return this; }
    /** Ridge penalty on the coefficients (default 0.01). */
    public Builder optRidge(double v) { ridge = v; return this; }
    /** Seed of the coalition sampler (default 7; each image mixes in its key). */
    public Builder optSeed(long v) { seed = v; return this; }
    /** Perturbed images per scorer call (Captum's internal batch size; default 128). */
    public Builder optInternalBatchSize(int v) { chunk = v; return this; }

    public KernelShap build() {
      if (samples < 0 || chunk < 1 || ridge < 0) throw new IllegalArgumentException("samples, internal batch size, ridge");
      return new KernelShap(this);
    }
  }
}
