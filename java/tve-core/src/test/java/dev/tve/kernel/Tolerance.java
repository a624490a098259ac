package dev.tve.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Compares a float32 kernel's maps with the double-precision reference, with error bounds derived
 * from the data rather than one fixed epsilon.
 *
 * <p>Raw values: any order of float32 summation of D products satisfies
 * |err| <= (D + 1) u sum|w_d e_d| (u = 2^-24, FMA or not); the contrastive row W_k - W_j, the
 * bias and the lambda combination add a few more roundings of the same magnitude, so the bound
 * used is (D + 8) u M, with M = |l+| sum|w e+| + |l-| sum|w e-| + |l+ - l-| |c|: the bias enters once,
 * as (l+ - l-) c, so it adds nothing when the lambdas are equal, however large it is.
 *
 * <p>Maps: a box average adds at most its inputs' error plus (2s+1)^2 u max|v|; min-max of values
 * each off by at most t, with range r, is off by at most 4t / (r - 2t). Maps whose range is within
 * a few t of zero are ill-conditioned (any float kernel may legitimately round them differently):
 * they are counted, must stay finite and in range, and are not compared value by value.
 */
final class Tolerance {
  static final double U = Math.ulp(1.0f) / 2;  // 2^-24

  int mapsCompared;
  int mapsConstant;
  int mapsIllConditioned;

  void assertMatches(ProjectionRequest req, ProjectionResult expected, ProjectionResult actual, String label) {
    ProjectionOptions o = req.options();
    int B = req.batch(), K = req.targets().k(), D = req.dim(), P = o.patches(), g = o.grid();
    long rows = o.rows();
    int row0 = o.clsRow() == ClsRow.FIRST ? 1 : 0;
    float[] ep = req.ePos() == null || o.lambdaPos() == 0f ? null : req.ePos().toArray();
    float[] en = req.eNeg() == null || o.lambdaNeg() == 0f ? null : req.eNeg().toArray();
    float[] w = req.head().weight().toArray();
    float[] bias = req.head().bias() == null ? null : req.head().bias().toArray();
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < K; t++) {
        int kk = req.targets().row(b, t), j = req.targets().foil(b, t);
        double c = Math.abs((bias == null ? 0 : bias[kk]) - (bias != null && j >= 0 ? bias[j] : 0));
        double[] tol = new double[P];
        double maxTol = 0, maxAbs = 0;
        for (int p = 0; p < P; p++) {
          int base = Math.toIntExact(((long) b * rows + row0 + p) * D);
          double mp = 0, mn = 0;
          for (int d = 0; d < D; d++) {
            double wd = Math.abs(w[kk * D + d]) + (j >= 0 ? Math.abs(w[j * D + d]) : 0);
            if (ep != null) mp += wd * Math.abs(ep[base + d]);
            if (en != null) mn += wd * Math.abs(en[base + d]);
          }
          double lp = ep != null ? o.lambdaPos() : 0, ln = en != null ? o.lambdaNeg() : 0;
          double m = Math.abs(lp) * mp + Math.abs(ln) * mn + Math.abs(lp - ln) * c;
          tol[p] = (D + 8) * U * m + Double.MIN_NORMAL;
          maxTol = Math.max(maxTol, tol[p]);
          int i = (b * K + t) * P + p;
          maxAbs = Math.max(maxAbs, Math.abs(expected.raw()[i]));
          if (expected.raw() != null && actual.raw() != null) {
            double err = Math.abs(expected.raw()[i] - actual.raw()[i]);
            if (!(err <= tol[p])) {
              fail("%s: raw[b=%d,t=%d,y=%d,x=%d] = %s, reference %s, |err| %.3g > tol %.3g",
                  label, b, t, p / g, p % g, actual.raw()[i], expected.raw()[i], err, tol[p]);
            }
          }
        }
        if (expected.map() != null && actual.map() != null) {
          compareMap(o, expected, actual, (b * K + t) * P, maxTol, maxAbs, label + " map[b=" + b + ",t=" + t + "]");
        }
      }
    }
  }

  private void compareMap(ProjectionOptions o, ProjectionResult expected, ProjectionResult actual, int off,
      double rawTol, double rawAbs, String label) {
    int P = o.patches(), g = o.grid(), s = o.smoothRadius();
    double[] m = new double[P];
    for (int p = 0; p < P; p++) m[p] = expected.raw()[off + p];
    double boxSlack = s > 0 ? (2 * s + 1) * (2 * s + 1) * 2 * U : 0;
    double tol;
    boolean ill = false;
    if (o.normalization() != Normalization.NONE && isConstantAfterBox(m, g, s, o.normalization())) {
      // Exactly constant maps (P = 1; a box as wide as the grid): every kernel must give zeros.
      mapsConstant++;
      for (int p = 0; p < P; p++) {
        assertThat(actual.map()[off + p]).as("%s constant map at %d", label, p).isEqualTo(0f);
      }
      return;
    }
    switch (o.normalization()) {
      case NONE:
        tol = rawTol + boxSlack * rawAbs;
        break;
      case MINMAX: {
        double t0 = rawTol + boxSlack * rawAbs;
        if (s > 0) JavaReferenceKernel.boxFilter(m, g, s);
        double r = range(m);
        ill = r <= 8 * t0 + 4 * o.epsilon() * maxAbs(m);
        tol = 4 * t0 / (r - 2 * t0) + 4 * U;
        break;
      }
      default: {  // REFERENCE
        double r1 = range(m);
        double e1 = 4 * rawTol / (r1 - 2 * rawTol) + 4 * U;
        ill = r1 <= 8 * rawTol + 4 * o.epsilon() * maxAbs(m);
        JavaReferenceKernel.minmax(m, 0f);
        double e1b = e1 + boxSlack;
        if (s > 0) JavaReferenceKernel.boxFilter(m, g, s);
        double r2 = range(m);
        ill |= r2 <= 8 * e1b + 4 * o.epsilon();
        tol = 4 * e1b / (r2 - 2 * e1b) + 4 * U;
      }
    }
    for (int p = 0; p < P; p++) {
      float a = actual.map()[off + p];
      assertThat(Float.isFinite(a)).as("%s finite at %d", label, p).isTrue();
    }
    if (ill) {
      mapsIllConditioned++;
      return;
    }
    mapsCompared++;
    for (int p = 0; p < P; p++) {
      double err = Math.abs(expected.map()[off + p] - actual.map()[off + p]);
      if (!(err <= tol)) {
        fail("%s (%s) at y=%d x=%d: %s, reference %s, |err| %.3g > tol %.3g", label, o, p / g, p % g,
            actual.map()[off + p], expected.map()[off + p], err, tol);
      }
    }
  }

  /** True when the map is constant at the step that min-max sees last. */
  private static boolean isConstantAfterBox(double[] raw, int g, int s, Normalization norm) {
    double[] m = raw.clone();
    if (range(m) == 0) return true;
    if (norm == Normalization.REFERENCE) JavaReferenceKernel.minmax(m, 0f);
    if (s > 0) JavaReferenceKernel.boxFilter(m, g, s);
    return range(m) <= 1e-12 * Math.max(maxAbs(m), 1e-300);
  }

  private static double range(double[] m) {
    double mn = Double.POSITIVE_INFINITY, mx = Double.NEGATIVE_INFINITY;
    for (double v : m) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    return mx - mn;
  }

  private static double maxAbs(double[] m) {
    double a = 0;
    for (double v : m) a = Math.max(a, Math.abs(v));
    return a;
  }
}
