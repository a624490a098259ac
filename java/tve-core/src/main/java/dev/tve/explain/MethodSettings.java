package dev.tve.explain;

import dev.tve.model.ExplainedOutput;

/**
 * The knobs the registry's methods take, in Captum's vocabulary where it fits, with the budgets
 * {@code tve evaluate} fixed before anything was measured: the explained output (default the
 * logit), seed (7), internal batch size of the perturbation methods (128; gradient methods 32),
 * Integrated Gradients' {@code nSteps} (50) and blurred baseline's sigma (4 px), RISE's masks (4000)
 * and keep probability (0.5), KernelSHAP's samples (0: 2P + 2048, shap's automatic count), and
 * occlusion's window radius (-1: the explainer's mask radius, else 1).
 *
 * <pre>{@code
 * MethodSettings s = MethodSettings.builder().optOutput(ExplainedOutput.PROBABILITY).optSeed(3).build();
 * }</pre>
 *
 * @param output the explained output
 * @param seed seed of every random draw (mixed with each image's key)
 * @param internalBatchSize perturbed images per encoder call
 * @param gradientBatchSize images per backward pass
 * @param nSteps Integrated Gradients' path points
 * @param blurSigma the blurred IG baseline's Gaussian sigma in pixels
 * @param masks RISE's masks
 * @param keepProbability RISE's cell keep probability
 * @param samples KernelSHAP's coalitions (0: automatic)
 * @param radius occlusion's window radius (-1: the explainer's mask radius, else 1)
 */
public record MethodSettings(ExplainedOutput output, long seed, int internalBatchSize, int gradientBatchSize, int nSteps, double blurSigma, int masks,
    double keepProbability, int samples, int radius) {

  /** @return the defaults */
  public static MethodSettings defaults() {
    return builder().build();
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return a builder starting from these settings */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.output = output;
    b.seed = seed;
    b.internalBatchSize = internalBatchSize;
    b.gradientBatchSize = gradientBatchSize;
    b.nSteps = nSteps;
    b.blurSigma = blurSigma;
    b.masks = masks;
    b.keepProbability = keepProbability;
    b.samples = samples;
    b.radius = radius;
    return b;
  }

  /** Builder of {@link MethodSettings}. */
  public static final class Builder {
    private ExplainedOutput output = ExplainedOutput.LOGIT;
    private long seed = 7;
    private int internalBatchSize = 128, gradientBatchSize = 32, nSteps = 50, masks = 4000, samples, radius = -1;
    private double blurSigma = 4, keepProbability = 0.5;

    private Builder() {}

    /** @param v logit (default) or probability @return this */
    public Builder optOutput(ExplainedOutput v) { output = v; return this; }
    /** @param v seed (default 7) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v perturbed images per encoder call (default 128) @return this */
    public Builder optInternalBatchSize(int v) { internalBatchSize = v; return this; }
    /** @param v images per backward pass (default 32) @return this */
    public Builder optGradientBatchSize(int v) { gradientBatchSize = v; return this; }
    /** @param v Integrated Gradients' path points (default 50) @return this */
    public Builder optNSteps(int v) { nSteps = v; return this; }
    /** @param v blurred IG baseline's sigma in pixels (default 4) @return this */
    public Builder optBlurSigma(double v) { blurSigma = v; return this; }
    /** @param v RISE's masks (default 4000) @return this */
    public Builder optMasks(int v) { masks = v; return this; }
    /** @param v RISE's keep probability (default 0.5) @return this */
    public Builder optKeepProbability(double v) { keepProbability = v; return this; }
    /** @param v KernelSHAP's coalitions (default 0: 2P + 2048) @return this */
    public Builder optSamples(int v) { samples = v; return this; }
    /** @param v occlusion's window radius (default -1: the explainer's mask radius, else 1) @return this */
    public Builder optRadius(int v) { radius = v; return this; }

    /** @return the settings */
    public MethodSettings build() {
      if (output == null) throw new IllegalArgumentException("output: null");
      if (internalBatchSize < 1 || gradientBatchSize < 1 || nSteps < 1 || masks < 1 || samples < 0 || !(blurSigma > 0)) {
        throw new IllegalArgumentException("method settings: batch sizes, nSteps and masks >= 1, samples >= 0, blur sigma > 0");
      }
      return new MethodSettings(output, seed, internalBatchSize, gradientBatchSize, nSteps, blurSigma, masks, keepProbability, samples, radius);
    }
  }
}
