package dev.tve.explain.classic;

import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.model.ModelOutput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the perturbation methods (Occlusion, RISE, KernelSHAP) share: the model seen only through
 * {@link ModelOutput} (the explained output of perturbed copies, in chunks of the internal batch
 * size), the baseline absent patches are filled from (Captum's {@code baselines}; default zeros in
 * the model's normalised space, TVE's own pre-training perturbation), the patch grid, and an atomic
 * count of forward passes.
 *
 * <pre>{@code
 * Occlusion occ = Occlusion.builder(ModelOutput.of(encoder, ExplainedOutput.LOGIT, 128), 7).build();
 * }</pre>
 */
public abstract class PerturbationExplainer implements Explainer {
  /** The model as a black box. */
  protected final ModelOutput model;
  /** Channels C, side S and grid g of the images. */
  protected final int channels, size, grid;
  /** The image absent patches come from, [C, S, S]. */
  protected final float[] fill;
  private final Encoder encoder;
  private final LongAdder forwards = new LongAdder();

  /**
   * @param model the model's output
   * @param encoder the model's encoder (for {@link #explain}'s logits), or null for a black box
   * @param grid side g of the patch grid
   * @param fill the baseline image, or null for zeros
   */
  protected PerturbationExplainer(ModelOutput model, Encoder encoder, int grid, float[] fill) {
    this.model = model;
    this.encoder = encoder;
    this.channels = model.channels();
    this.size = model.imageSize();
    this.grid = grid;
    this.fill = fill != null ? fill.clone() : new float[channels * size * size];
    Perturb.check(channels, size, grid, this.fill);
  }

  @Override public int grid() { return grid; }
  @Override public ExplainedOutput output() { return model.kind(); }
  @Override public long forwardPasses() { return forwards.sum(); }

  @Override
  public Encoder encoder() {
    if (encoder == null) throw new IllegalStateException(name() + " was built on a black-box output, not an encoder");
    return encoder;
  }

  /**
   * Scores {@code n} perturbed images for one target (and foil), counting the passes.
   *
   * @param batch images [n, C, S, S]
   * @param n how many
   * @param head the head explained
   * @param target the class
   * @param foil the contrast class, or -1
   * @return the explained output of each
   */
  protected final float[] score(float[] batch, int n, Head head, int target, int foil) {
    int[] t = new int[n], f = new int[n];
    java.util.Arrays.fill(t, target);
    java.util.Arrays.fill(f, foil);
    forwards.add(n);
    return model.score(batch, n, head, t, foil < 0 ? null : f);
  }

  /** Checks a batch against the model's geometry. */
  static void check(Images images, ModelOutput model, int[] targets, int[] foils) {
    if (images.channels() != model.channels() || images.size() != model.imageSize()) {
      throw new IllegalArgumentException("images are " + images.channels() + " x " + images.size() + " x " + images.size() + "; the model takes "
          + model.channels() + " x " + model.imageSize() + " x " + model.imageSize());
    }
    if (targets.length < images.n() || (foils != null && foils.length < images.n())) throw new IllegalArgumentException("one target (and foil) per image");
  }

  /** @return the parameters every perturbation method records: output and baseline */
  protected Map<String, Object> baseParameters() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("output", output().name().toLowerCase(java.util.Locale.ROOT));
    boolean zeros = true;
    for (float v : fill) zeros &= v == 0;
    p.put("baseline", zeros ? "zeros (normalised)" : "given image");
    return p;
  }
}
