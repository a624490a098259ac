package dev.tve.explain;

/**
 * One explanation: image {@code image} of a batch, head {@code head}, class {@code target} (against
 * {@code foil} when contrastive, else -1). {@code raw} is the signed g x g map, row-major, rows top
 * to bottom; {@code map} is it post-processed (normalised, smoothed) for display. The head's
 * prediction for the image comes with it.
 *
 * <pre>{@code
 * Attribution a = attributions.get(0);
 * float topLeft = a.raw()[0];
 * String label = a.targetName() + " " + a.probability();
 * }</pre>
 */
public record Attribution(int image, String head, int target, String targetName, int foil, int predicted, String predictedName,
    float probability, float targetProbability, int grid, float[] raw, float[] map) {

  /** The patch with the largest raw attribution (row-major index). */
  public int topPatch() {
    int best = 0;
    for (int i = 1; i < raw.length; i++) if (raw[i] > raw[best]) best = i;
    return best;
  }
}
