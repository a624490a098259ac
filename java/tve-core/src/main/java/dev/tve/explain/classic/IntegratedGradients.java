package dev.tve.explain.classic;

import dev.tve.explain.PixelExplainer;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;

/**
 * Integrated Gradients (Sundararajan et al., 2017; Captum's {@code IntegratedGradients}): (x - x')
 * times the mean gradient of the target logit along the straight path from the baseline x' to x,
 * here with the midpoint rule over {@code steps} points (default 50, Captum's n_steps), all points
 * of one image in one backward pass; summed into patches (signed), or per pixel over channels with
 * {@link #explainPixels}. The baseline is an image in the
 * model's normalised space (black, or a blurred copy via {@link #explain(float[], float[], int, int[])}).
 * Completeness: the map sums to about logit(x) - logit(x').
 *
 * <pre>{@code
 * IntegratedGradients ig = new IntegratedGradients(encoder, head, 7, 50);
 * float[][] maps = ig.explain(x, blurred, n, targets);          // 7 x 7 per image, blurred baselines
 * float[][] pixels = ig.explainPixels(x, blurred, n, targets);  // S x S per image
 * }</pre>
 */
public final class IntegratedGradients implements PixelExplainer {
  private final Gradients gradients;
  private final int grid, steps;
  private final float[] baseline;

  /** With one baseline image for every input ([C, S, S]; e.g. black after normalisation). */
  public IntegratedGradients(EncoderModule encoder, Head head, int grid, int steps, float[] baseline) {
    if (encoder.imageSize() % grid != 0) throw new IllegalArgumentException("image side " + encoder.imageSize() + " is not a multiple of the grid " + grid);
    if (steps < 1) throw new IllegalArgumentException("steps: " + steps);
    this.gradients = new Gradients(encoder, head);
    this.grid = grid;
    this.steps = steps;
    this.baseline = baseline.clone();
    if (baseline.length != encoder.channels() * encoder.imageSize() * encoder.imageSize()) throw new IllegalArgumentException("baseline must be one image");
  }

  @Override public String name() { return "integrated-gradients"; }
  @Override public int grid() { return grid; }
  @Override public int imageSize() { return gradients.size(); }
  @Override public long forwardPasses() { return gradients.passes(); }
  @Override public long backwardPasses() { return gradients.passes(); }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) { return maps(x, sameBaseline(n), n, targets, false); }

  @Override
  public float[][] explainPixels(float[] x, int n, int[] targets) { return maps(x, sameBaseline(n), n, targets, true); }

  /** With a baseline per image (baselines [n, C, S, S], e.g. blurred copies). */
  public float[][] explain(float[] x, float[] baselines, int n, int[] targets) { return maps(x, baselines, n, targets, false); }

  /** Pixel maps (S x S, channels summed) with a baseline per image. */
  public float[][] explainPixels(float[] x, float[] baselines, int n, int[] targets) { return maps(x, baselines, n, targets, true); }

  private float[] sameBaseline(int n) {
    int f = baseline.length;
    float[] b = new float[n * f];
    for (int i = 0; i < n; i++) System.arraycopy(baseline, 0, b, i * f, f);
    return b;
  }

  private float[][] maps(float[] x, float[] baselines, int n, int[] targets, boolean pixels) {
    int c = gradients.channels(), s = gradients.size(), f = c * s * s;
    float[][] out = new float[n][];
    float[] path = new float[steps * f];
    int[] t = new int[steps];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < steps; k++) {
        float a = (k + 0.5f) / steps;
        for (int q = 0; q < f; q++) path[k * f + q] = baselines[i * f + q] + a * (x[i * f + q] - baselines[i * f + q]);
      }
      java.util.Arrays.fill(t, targets[i]);
      float[] g = gradients.of(path, steps, t, null);
      float[] ig = new float[f];
      for (int q = 0; q < f; q++) {
        double m = 0;
        for (int k = 0; k < steps; k++) m += g[k * f + q];
        ig[q] = (float) ((x[i * f + q] - baselines[i * f + q]) * m / steps);
      }
      out[i] = Gradients.pool(ig, 0, c, s, pixels ? s : grid, false);
    }
    return out;
  }
}
