package dev.tve.metric;

import java.util.SplittableRandom;

/**
 * The mean of per-image differences a[i] - b[i] between two maps scored on the same images, with a
 * seeded percentile-bootstrap 95 % confidence interval. {@link #better()} says whether a beats b
 * with the interval excluding 0 on the metric's good side.
 *
 * <pre>{@code
 * PairedDifference d = PairedDifference.of(tveDeletion, randomDeletion, PatchCurves.DELETION, 7);
 * boolean tveWins = d.better();   // mean < 0 and the whole CI below 0
 * }</pre>
 */
public record PairedDifference(double mean, double lo, double hi, int n, Direction direction) {
  public static final int RESAMPLES = 10_000;

  public static PairedDifference of(double[] a, double[] b, Direction direction, long seed) {
    if (a.length != b.length || a.length == 0) throw new IllegalArgumentException("paired samples of " + a.length + " and " + b.length);
    int n = a.length;
    double[] d = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) mean += d[i] = a[i] - b[i];
    mean /= n;
    double[] boot = new double[RESAMPLES];
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < RESAMPLES; t++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += d[r.nextInt(n)];
      boot[t] = s / n;
    }
    java.util.Arrays.sort(boot);
    return new PairedDifference(mean, boot[(int) (0.025 * RESAMPLES)], boot[(int) (0.975 * RESAMPLES) - 1], n, direction);
  }

  /** a is better than b: the whole interval lies on the good side of 0. */
  public boolean better() {
    return direction == Direction.HIGHER_IS_BETTER ? lo > 0 : hi < 0;
  }

  /** The interval excludes 0 (either side). */
  public boolean significant() { return lo > 0 || hi < 0; }
}
