package dev.tve.metric;

/**
 * Pearson's correlation coefficient; NaN when either series is constant: a constant map has no
 * correlation to report (neither 0, a pass in a sanity check, nor anything else), and callers report
 * it as its own outcome ("constant").
 */
final class Pearson {
  private Pearson() {}

  static double of(double[] a, double[] b) {
    int n = a.length;
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++) {
      ma += a[i];
      mb += b[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    // Relative threshold: float maps summed in double leave ~1e-16 noise on "constant" series.
    if (saa <= 1e-24 * Math.max(1, ma * ma) * n || sbb <= 1e-24 * Math.max(1, mb * mb) * n) return Double.NaN;
    return sab / Math.sqrt(saa * sbb);
  }
}
