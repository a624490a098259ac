package dev.tve.model;

/**
 * The model under test as a black box: the probability of one class per image. Perturbation
 * metrics call it on many perturbed copies at once.
 */
@FunctionalInterface
public interface ClassScorer {
  /**
   * @param x images [n, C, S, S], preprocessed as the model expects
   * @param targets the class to score for each image
   * @return p(targets[i] | x[i]) for each image
   */
  float[] probabilities(float[] x, int n, int[] targets);
}
