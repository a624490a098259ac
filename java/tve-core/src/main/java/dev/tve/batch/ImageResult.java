package dev.tve.batch;

import dev.tve.explain.Attribution;
import java.util.List;

/**
 * One input file explained, as the pipeline hands it to a {@link ResultSink}: its key, its unique
 * output name, every target's map and prediction, and what the model saw (for overlays).
 *
 * @param key the canonical path
 * @param name the output base name ({@link InputFiles#outputName}), unique per key
 * @param targets the maps, in target order
 * @param grid g
 * @param pixels the image for display, 8-bit HWC: the original (within the display limits) or what the
 *     model saw; null until the writing stage fills it
 * @param channels 1 or 3
 * @param height the display image's height
 * @param width the display image's width
 * @param region where in the display image the maps lie {x, y, w, h} (the model's crop), or null for all of it
 * @param verdict the --verify flags and scores, or null when not asked
 */
public record ImageResult(String key, String name, List<Attribution> targets, int grid, byte[] pixels, int channels, int height, int width,
    int[] region, dev.tve.explain.Verifier.Verdict verdict) {
  public ImageResult {
    targets = List.copyOf(targets);
  }

  /** @return the first non-finite value's description, or null when every map value and probability is finite */
  public String nonFinite() {
    for (Attribution a : targets) {
      if (!Float.isFinite(a.probability()) || !Float.isFinite(a.targetProbability())) {
        return "the " + a.head() + " head's probability is " + a.probability() + " (non-finite model output)";
      }
      for (float v : a.raw()) if (!Float.isFinite(v)) return "the " + a.head() + " map for class " + a.target() + " holds " + v;
    }
    return null;
  }
}
