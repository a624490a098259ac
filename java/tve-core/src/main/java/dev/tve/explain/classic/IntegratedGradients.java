package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.explain.PixelExplainer;
import dev.tve.image.Canvases;
import dev.tve.model.DifferentiableEncoder;
import dev.tve.model.Head;
import java.util.Map;

/**
 * Integrated Gradients (Sundararajan et al., 2017; Captum's {@code IntegratedGradients}): (x - x')
 * times the mean gradient of the explained output along the straight path from the baseline x' to
 * x, with the midpoint rule over {@code nSteps} points (default 50, Captum's n_steps), by default all
 * points of one image in one backward pass (else in passes of the internal batch size); summed into patches (signed), or per pixel over channels with
 * {@link #attributePixels}. The baseline is one image in the model's normalised space (e.g. black),
 * or each image's own Gaussian-blurred copy ({@link Builder#optBlurredBaseline}). Completeness: the
 * map sums to about f(x) - f(x').
 *
 * <pre>{@code
 * IntegratedGradients ig = IntegratedGradients.builder(encoder, 7).optBaseline(black).optSteps(50).build();
 * float[][] maps = ig.attribute(Images.of(x, n, 1, 56), head, targets, null);
 * }</pre>
 *
 * Threads: may be shared.
 */
public final class IntegratedGradients extends GradientExplainer implements PixelExplainer {
  private final int steps;
  private final float[] baseline;
  private final double blurSigma;

  private IntegratedGradients(Builder b) {
    super(b.encoder, b.grid, b.output, b.chunkSet ? b.chunk : b.steps);   // default: every path point of an image in one pass
    int f = b.encoder.channels() * b.encoder.imageSize() * b.encoder.imageSize();
    this.steps = b.steps;
    this.blurSigma = b.blurSigma;
    this.baseline = b.baseline != null ? b.baseline.clone() : new float[f];
    if (baseline.length != f) throw new IllegalArgumentException("baseline must be one image: " + f + " floats");
  }

  /**
   * @param encoder the encoder, in eval mode
   * @param grid side g of the maps
   * @return a builder
   */
  public static Builder builder(DifferentiableEncoder encoder, int grid) {
    return new Builder(encoder, grid);
  }

  @Override public String name() { return blurSigma > 0 ? "integrated-gradients-blur" : "integrated-gradients"; }
  @Override public int imageSize() { return encoder.imageSize(); }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = baseParameters();
    p.put("nSteps", steps);
    p.put("baseline", blurSigma > 0 ? "each image blurred, sigma " + blurSigma + " px" : "given image");
    return p;
  }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    return maps(images, baselines(images), head, targets, foils, false);
  }

  @Override
  public float[][] attributePixels(Images images, Head head, int[] targets, int[] foils) {
    return maps(images, baselines(images), head, targets, foils, true);
  }

  /**
   * With a baseline per image.
   *
   * @param images the batch
   * @param baselines [n, C, S, S], e.g. blurred copies
   * @param head the head
   * @param targets class per image
   * @param foils contrast class per image, or null
   * @return one g x g map per image
   */
  public float[][] attribute(Images images, float[] baselines, Head head, int[] targets, int[] foils) {
    return maps(images, baselines, head, targets, foils, false);
  }

  private float[] baselines(Images images) {
    int n = images.n(), f = images.floats();
    float[] b = new float[n * f];
    for (int i = 0; i < n; i++) {
      if (blurSigma > 0) {
        float[] blurred = Canvases.blur(java.util.Arrays.copyOfRange(images.x(), i * f, (i + 1) * f), images.channels(), images.size(), blurSigma);
        System.arraycopy(blurred, 0, b, i * f, f);
      } else {
        System.arraycopy(baseline, 0, b, i * f, f);
      }
    }
    return b;
  }

  private float[][] maps(Images images, float[] baselines, Head head, int[] targets, int[] foils, boolean pixels) {
    check(images, head, targets, foils);
    float[] x = images.x();
    int n = images.n(), c = encoder.channels(), s = encoder.imageSize(), f = c * s * s;
    float[][] out = new float[n][];
    float[] path = new float[steps * f];
    int[] t = new int[steps], fo = foils == null ? null : new int[steps];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < steps; k++) {
        float a = (k + 0.5f) / steps;
        for (int q = 0; q < f; q++) path[k * f + q] = baselines[i * f + q] + a * (x[i * f + q] - baselines[i * f + q]);
      }
      java.util.Arrays.fill(t, targets[i]);
      if (fo != null) java.util.Arrays.fill(fo, foils[i]);
      float[] g = new float[steps * f];
      for (int first = 0; first < steps; first += internalBatchSize) {
        int k = Math.min(internalBatchSize, steps - first);
        float[] part = gradient(path, first, k, head, java.util.Arrays.copyOf(t, k), fo == null ? null : java.util.Arrays.copyOf(fo, k), null);
        System.arraycopy(part, 0, g, first * f, k * f);
      }
      float[] ig = new float[f];
      for (int q = 0; q < f; q++) {
        double m = 0;
        for (int k = 0; k < steps; k++) m += g[k * f + q];
        ig[q] = (float) ((x[i * f + q] - baselines[i * f + q]) * m / steps);
      }
      out[i] = pool(ig, 0, c, s, pixels ? s : grid, false);
    }
    return out;
  }

  /** Builder of {@link IntegratedGradients}; {@code opt*} setters have defaults. */
  public static final class Builder extends GradientExplainer.Builder<Builder> {
    private int steps = 50;
    private float[] baseline;
    private double blurSigma;

    private Builder(DifferentiableEncoder encoder, int grid) {
      super(encoder, grid);
    }
    /** @param v path points (Captum's n_steps; default 50) @return this */
    public Builder optSteps(int v) { steps = v; return this; }
    /** @param v one baseline image [C, S, S] in the model's normalised space (default zeros) @return this */
    public Builder optBaseline(float[] v) { baseline = v.clone(); blurSigma = 0; return this; }
    /** @param sigma start from each image's own blurred copy (Gaussian sigma in pixels) @return this */
    public Builder optBlurredBaseline(double sigma) {
      if (!(sigma > 0)) throw new IllegalArgumentException("blur sigma: " + sigma);
      blurSigma = sigma;
      return this;
    }

    /** @return the explainer */
    public IntegratedGradients build() {
      if (steps < 1) throw new IllegalArgumentException("steps: " + steps);
      return new IntegratedGradients(this);
    }
  }
}
