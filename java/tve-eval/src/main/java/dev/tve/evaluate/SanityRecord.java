package dev.tve.evaluate;

import java.util.Map;

/**
 * One image under one randomised condition: each method's Spearman correlation between its map for
 * the model under test and its map for the randomised model (same image, same target class).
 */
public record SanityRecord(String head, String condition, long scene, Map<String, Double> spearman) {
  public String key() { return head + "/" + condition + "/" + scene; }
}
