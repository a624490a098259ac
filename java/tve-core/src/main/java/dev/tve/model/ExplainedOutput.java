package dev.tve.model;

/**
 * The model output every attribution method explains, chosen by one option and recorded in
 * provenance: the target's logit (the default, as Captum explains what the forward returns) or its
 * softmax probability. For a contrastive target k against j it is the difference, k minus j.
 *
 * <pre>{@code
 * Explainer occ = Methods.create("occlusion", MethodContext.of(model).withOutput(ExplainedOutput.PROBABILITY));
 * }</pre>
 */
public enum ExplainedOutput {
  /** The head's logit of the target class. */
  LOGIT,
  /** The softmax probability of the target class over the head's classes. */
  PROBABILITY;

  /**
   * @param logits one image's logits
   * @param target the class
   * @param foil the contrast class, or -1
   * @return this output of target (minus foil), computed as the probes always did: softmax in double
   */
  public float of(float[] logits, int target, int foil) {
    if (this == LOGIT) return foil < 0 ? logits[target] : logits[target] - logits[foil];
    float[] p = Head.softmax(logits);
    return foil < 0 ? p[target] : p[target] - p[foil];
  }
}
