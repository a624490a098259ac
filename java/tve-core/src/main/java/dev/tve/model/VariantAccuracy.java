package dev.tve.model;

import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.SceneVariant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A head's accuracy on the same test scenes drawn in several variants (clean first): the
 * robustness table of the zoo. Higher is better. Scene i of every variant has the same item at the
 * same place; only the canvas differs.
 *
 * <pre>{@code
 * Map<String, Double> acc = VariantAccuracy.measure(encoder, head, testGen, mean, std, 10_000, VariantAccuracy.standard());
 * }</pre>
 */
public final class VariantAccuracy {
  private VariantAccuracy() {}

  /** Clean, the trained families' variants, then the unseen family's. */
  public static List<SceneVariant> standard() {
    List<SceneVariant> all = new java.util.ArrayList<>();
    all.add(SceneVariant.CLEAN);
    all.addAll(SceneVariant.trainedFamilies());
    all.addAll(SceneVariant.unseenFamily());
    return all;
  }

  /**
   * @param encoder the encoder, eval mode
   * @param head a head on it whose classes are the generator's
   * @param test the test scenes' generator (its own variant is replaced by each of {@code variants})
   * @param mean the model's normalisation mean (pixels in [0, 1])
   * @param std its standard deviation
   * @param n scenes per variant
   * @param variants the variants, in table order
   * @return variant name to accuracy, in the order given
   */
  public static Map<String, Double> measure(Encoder encoder, Head head, SceneGenerator test, float mean, float std, int n,
      List<SceneVariant> variants) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (SceneVariant v : variants) {
      Embeddings e = Embeddings.of(encoder, new SceneBatches(test.withVariant(v), mean, std), 0, n, 128);
      out.put(v.name(), head.accuracy(e.values(), e.labels()));
    }
    return out;
  }
}
