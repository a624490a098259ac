package dev.tve.metric;

import java.util.SplittableRandom;

/**
 * The mean of per-image values with a seeded percentile-bootstrap 95 % confidence interval (the
 * resampling of {@link PairedDifference}, on one sample).
 *
 * <pre>{@code
 * MeanInterval m = MeanInterval.of(deletionAucs, 7);
 * String s = m.format("%.3f");   // "0.152 [0.141, 0.163]"
 * }</pre>
 */
public record MeanInterval(double mean, double lo, double hi, int n) {
  public static MeanInterval of(double[] v, long seed) {
    int n = v.length;
    if (n == 0) return new MeanInterval(Double.NaN, Double.NaN, Double.NaN, 0);
    double mean = 0;
    for (double x : v) mean += x;
    mean /= n;
    double[] boot = new double[PairedDifference.RESAMPLES];
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < boot.length; t++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += v[r.nextInt(n)];
      boot[t] = s / n;
    }
    java.util.Arrays.sort(boot);
    return new MeanInterval(mean, boot[(int) (0.025 * boot.length)], boot[(int) (0.975 * boot.length) - 1], n);
  }

  /** "mean [lo, hi]" with the given number format. */
  public String format(String number) {
    return String.format(number + " [" + number + ", " + number + "]", mean, lo, hi);
  }
}
