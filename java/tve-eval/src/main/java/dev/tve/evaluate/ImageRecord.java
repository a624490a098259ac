package dev.tve.evaluate;

import java.util.Map;

/**
 * One image of one head, every method scored: the line {@code tve evaluate} appends to rows.jsonl
 * once the image is done. {@code boxShare} is the share of patches whose centre lies in the item's
 * box (the random map's expected pointing rate and relevance mass).
 */
public record ImageRecord(String head, long scene, int label, int headLabel, int predicted, float probability, float blurredProbability,
    double boxShare, Map<String, MethodScores> methods, String file) {

  /** The key a rerun skips by. */
  public String key() { return head + "/" + scene; }

  /**
   * One method on one image: its map (g x g, row-major), the metric values, its cost per image, and
   * the deletion (black, zero) and insertion curves (P + 1 points, 4 decimals).
   */
  public record MethodScores(float[] map, double deletionBlack, double deletionZero, double insertion, double faithfulnessCorrelation,
      double pointing, double relevanceMass, double seconds, double forwardPasses, double backwardPasses, float[] curveDeletionBlack,
      float[] curveDeletionZero, float[] curveInsertion) {}
}
