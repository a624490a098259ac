package dev.tve.explain;

/**
 * An attribution method that explains one class per image with a map on the patch grid (row-major,
 * rows top to bottom; larger = more evidence for the class). TVE and the classic methods of
 * {@link dev.tve.explain.classic} are compared through it.
 *
 * <pre>{@code
 * PatchExplainer occlusion = Occlusion.builder(scorer, 1, 56, 7).build();
 * float[][] maps = occlusion.explain(x, n, targets);   // maps[i]: 49 floats
 * }</pre>
 */
public interface PatchExplainer {
  /** Short method name, for tables and provenance. */
  String name();

  /** Side g of the maps (g x g patches). */
  int grid();

  /**
   * @param x images [n, C, S, S], preprocessed as the model expects
   * @param targets the class to explain for each image
   * @return one g x g map per image
   */
  float[][] explain(float[] x, int n, int[] targets);

  /** Model evaluations (forward passes) spent so far. */
  long forwardPasses();

  /** Backward passes through the model spent so far (gradient methods; 0 for the others). */
  default long backwardPasses() { return 0; }
}
