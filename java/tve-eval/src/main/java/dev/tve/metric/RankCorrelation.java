package dev.tve.metric;

/**
 * Rank agreement between two maps of the same patches: Spearman's rho (Pearson correlation of the
 * ranks, ties sharing their mean rank) and Kendall's tau-b (concordant minus discordant pairs,
 * corrected for ties). Both lie in [-1, 1]; a constant map has no order, and its correlation with
 * anything is reported as 0.
 *
 * <pre>{@code
 * double rho = RankCorrelation.spearman(tveMap, occlusionMap);
 * double tau = RankCorrelation.kendall(tveMap, occlusionMap);
 * }</pre>
 */
public final class RankCorrelation {
  private RankCorrelation() {}

  public static double spearman(float[] a, float[] b) {
    check(a, b);
    return Pearson.of(ranks(a), ranks(b));
  }

  public static double kendall(float[] a, float[] b) {
    check(a, b);
    long concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = i + 1; j < a.length; j++) {
        int da = Float.compare(a[i], a[j]), db = Float.compare(b[i], b[j]);
        if (da == 0 && db == 0) continue;
        if (da == 0) tiesA++;
        else if (db == 0) tiesB++;
        else if (da == db) concordant++;
        else discordant++;
      }
    }
    double n1 = concordant + discordant + tiesA, n2 = concordant + discordant + tiesB;
    return n1 == 0 || n2 == 0 ? Double.NaN : (concordant - discordant) / Math.sqrt(n1 * n2);     // a constant map: no rank order
  }

  /** Ranks 1..n, ties given the mean of the ranks they span. */
  static double[] ranks(float[] v) {
    int n = v.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    java.util.Arrays.sort(idx, (x, y) -> Float.compare(v[x], v[y]));
    double[] r = new double[n];
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && Float.compare(v[idx[j + 1]], v[idx[i]]) == 0) j++;
      double mean = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) r[idx[k]] = mean;
      i = j + 1;
    }
    return r;
  }

  private static void check(float[] a, float[] b) {
    if (a.length != b.length || a.length < 2) throw new IllegalArgumentException("maps of " + a.length + " and " + b.length + " values");
  }
}
