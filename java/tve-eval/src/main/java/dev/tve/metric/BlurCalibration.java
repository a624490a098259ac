package dev.tve.metric;

import dev.tve.image.Canvases;
import dev.tve.model.ModelScorer;

/**
 * How blurred the insertion canvas must be: the model's accuracy on blurred copies for a ladder of
 * sigmas, and the smallest positive sigma at which it is near chance (within {@code tolerance} of
 * chance: the larger of 1 / C and the most frequent class's share of the labels).
 *
 * <pre>{@code
 * BlurCalibration.Result r = BlurCalibration.measure(scorer, x, n, 1, 56, labels, 10, new double[] {1, 2, 4, 8}, 0.05);
 * double sigma = r.chosen();
 * }</pre>
 */
public final class BlurCalibration {
  private BlurCalibration() {}

  /** Accuracy per sigma (same order as the ladder) and the sigma chosen (NaN when none is near chance). */
  public record Result(double[] sigmas, double[] accuracy, double chance, double tolerance, double chosen) {}

  /**
   * @param labels each image's class in the head's numbering
   */
  public static Result measure(ModelScorer scorer, float[] x, int n, int channels, int size, int[] labels, int classes, double[] ladder,
      double tolerance) {
    int f = channels * size * size;
    // Chance: the better of a uniform guess and always naming the most frequent class here.
    int[] count = new int[classes];
    for (int i = 0; i < n; i++) if (labels[i] >= 0 && labels[i] < classes) count[labels[i]]++;
    double chance = Math.max(1.0 / classes, (double) java.util.Arrays.stream(count).max().orElse(0) / n), chosen = Double.NaN;
    double[] acc = new double[ladder.length];
    for (int k = 0; k < ladder.length; k++) {
      float[] b = new float[n * f];
      for (int i = 0; i < n; i++) {
        float[] img = java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f);
        System.arraycopy(Canvases.blur(img, channels, size, ladder[k]), 0, b, i * f, f);
      }
      int[] pred = scorer.predict(b, n);
      int ok = 0;
      for (int i = 0; i < n; i++) ok += pred[i] == labels[i] ? 1 : 0;
      acc[k] = (double) ok / n;
      if (Double.isNaN(chosen) && ladder[k] > 0 && acc[k] <= chance + tolerance) chosen = ladder[k];
    }
    return new Result(ladder.clone(), acc, chance, tolerance, chosen);
  }
}
