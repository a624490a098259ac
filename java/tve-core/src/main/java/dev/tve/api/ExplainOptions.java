package dev.tve.api;

import dev.tve.explain.MethodSettings;
import dev.tve.explain.TargetSpec;
import dev.tve.model.ExplainedOutput;
import java.util.List;

/**
 * What to explain and how, per call of {@link Tve}: the method (a registry name, default
 * {@code tve}), the heads (default: the model's default head), the targets (default the predicted
 * class), the method settings ({@link MethodSettings}: explained output, seed, budgets) and the batch
 * size of streamed inputs.
 *
 * <pre>{@code
 * ExplainOptions o = ExplainOptions.builder().optMethod("occlusion").optHeads("ten-class").optTarget("topk:2")
 *     .optOutput(ExplainedOutput.PROBABILITY).build();
 * }</pre>
 *
 * @param method registry name of the method
 * @param heads head names; empty for the model's default head
 * @param target which targets
 * @param settings method settings
 * @param batchSize images per explainer pass for streamed inputs
 */
public record ExplainOptions(String method, List<String> heads, TargetSpec target, MethodSettings settings, int batchSize) {
  /** Copies the head list. */
  public ExplainOptions {
    heads = List.copyOf(heads);
  }

  /** @return TVE, the default head, the predicted class, default settings, batches of 32 */
  public static ExplainOptions defaults() {
    return builder().build();
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link ExplainOptions}. */
  public static final class Builder {
    private String method = "tve";
    private List<String> heads = List.of();
    private TargetSpec target = TargetSpec.predicted();
    private MethodSettings.Builder settings = MethodSettings.builder();
    private int batchSize = 32;

    private Builder() {}

    /** @param v a method name (see {@link dev.tve.explain.Methods#KNOWN}) @return this */
    public Builder optMethod(String v) { method = v; return this; }
    /** @param v head names, in order @return this */
    public Builder optHeads(String... v) { heads = List.of(v); return this; }
    /** @param v head names, in order @return this */
    public Builder optHeads(List<String> v) { heads = List.copyOf(v); return this; }
    /** @param v pred | K | topk:N | all | K:J @return this */
    public Builder optTarget(String v) { target = TargetSpec.parse(v); return this; }
    /** @param v which targets @return this */
    public Builder optTarget(TargetSpec v) { target = v; return this; }
    /** @param v the explained output (default the logit) @return this */
    public Builder optOutput(ExplainedOutput v) { settings.optOutput(v); return this; }
    /** @param v the methods' settings (replaces the output set before) @return this */
    public Builder optSettings(MethodSettings v) { settings = v.toBuilder(); return this; }
    /** @param v images per pass for streamed inputs (default 32) @return this */
    public Builder optBatchSize(int v) { batchSize = v; return this; }

    /** @return the options */
    public ExplainOptions build() {
      if (batchSize < 1) throw new IllegalArgumentException("batch size: " + batchSize);
      return new ExplainOptions(method, heads, target, settings.build(), batchSize);
    }
  }
}
