package dev.tve.kernel;

/**
 * The plain Java reference of the projection: straightforward loops, double accumulation, the
 * direct (non-separable) box filter. Slow, obviously correct; every faster kernel is tested
 * against it.
 *
 * <pre>{@code
 * ProjectionResult r = new JavaReferenceKernel().project(request);
 * }</pre>
 *
 * Stateless and reentrant: may be shared between threads.
 */
public final class JavaReferenceKernel implements ProjectionKernel {

  @Override
  public String name() {
    return "java";
  }

  @Override
  public ProjectionResult project(ProjectionRequest req) {
    ProjectionOptions o = req.options();
    int batch = req.batch(), k = req.targets().k(), dim = req.dim(), g = o.grid(), patches = o.patches();
    long rows = o.rows();
    int row0 = o.clsRow() == ClsRow.FIRST ? 1 : 0;
    boolean pos = req.ePos() != null && o.lambdaPos() != 0f;
    boolean neg = req.eNeg() != null && o.lambdaNeg() != 0f;
    float[] ep = pos ? req.ePos().arrayOrCopy() : null;
    float[] en = neg ? req.eNeg().arrayOrCopy() : null;
    float[] w = req.head().weight().arrayOrCopy();
    float[] bias = req.head().bias() == null ? null : req.head().bias().arrayOrCopy();
    float[] raw = new float[Math.toIntExact(req.outputSize())];
    double[] row = new double[dim];

    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < k; t++) {
        int kk = req.targets().row(b, t), j = req.targets().foil(b, t);
        for (int d = 0; d < dim; d++) {
          row[d] = w[kk * dim + d] - (j >= 0 ? (double) w[j * dim + d] : 0.0);
        }
        double c = (bias == null ? 0.0 : bias[kk]) - (bias != null && j >= 0 ? bias[j] : 0.0);
        for (int p = 0; p < patches; p++) {
          int base = Math.toIntExact(((long) b * rows + row0 + p) * dim);
          double v = ((pos ? o.lambdaPos() : 0.0) - (neg ? o.lambdaNeg() : 0.0)) * c;     // the bias once
          if (pos) v += o.lambdaPos() * dot(row, ep, base);
          if (neg) v -= o.lambdaNeg() * dot(row, en, base);
          float fv = (float) v;
          if (!Float.isFinite(fv)) throw nonFinite(req, b, t, base, ep, en, row, c);
          raw[(b * k + t) * patches + p] = fv;
        }
      }
    }

    float[] map = null;
    if (req.wantMap()) {
      map = new float[raw.length];
      double[] m = new double[patches];
      for (int i = 0; i < batch * k; i++) {
        for (int p = 0; p < patches; p++) m[p] = raw[i * patches + p];
        postprocess(m, g, o.smoothRadius(), o.normalization(), o.epsilon());
        for (int p = 0; p < patches; p++) map[i * patches + p] = (float) m[p];
      }
    }
    return new ProjectionResult(batch, k, g, req.wantRaw() ? raw : null, map, name());
  }

  private static double dot(double[] w, float[] e, int base) {
    double s = 0;
    for (int d = 0; d < w.length; d++) s += w[d] * e[base + d];
    return s;
  }

  private static IllegalArgumentException nonFinite(ProjectionRequest req, int b, int t, int base, float[] ep,
      float[] en, double[] row, double c) {
    String where;
    if (!allFinite(row) || !Double.isFinite(c)) {
      where = "head W/bias rows of target " + t + " (class " + req.targets().row(b, t) + ")";
    } else if (ep != null && !allFinite(ep, base, row.length)) {
      where = "ePos";
    } else if (en != null && !allFinite(en, base, row.length)) {
      where = "eNeg";
    } else {
      where = "the projection (float32 overflow of finite inputs)";
    }
    return new IllegalArgumentException("NaN or Inf in " + where + " at image " + b + "; E shape " + req.eShape());
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) if (!Double.isFinite(x)) return false;
    return true;
  }

  private static boolean allFinite(float[] v, int from, int n) {
    for (int i = from; i < from + n; i++) if (!Float.isFinite(v[i])) return false;
    return true;
  }

  /**
   * The kernel's post-processing (normalisation and box smoothing, as {@code options} say) of one raw
   * g x g map, in double: for maps computed outside the fused kernel (non-linear heads).
   */
  public static float[] postprocess(float[] raw, ProjectionOptions options) {
    int g = options.grid();
    if (raw.length != g * g) throw new IllegalArgumentException("raw map: " + raw.length + " values, grid " + g + " x " + g);
    double[] m = new double[raw.length];
    for (int i = 0; i < m.length; i++) m[i] = raw[i];
    postprocess(m, g, options.smoothRadius(), options.normalization(), options.epsilon());
    float[] out = new float[m.length];
    for (int i = 0; i < m.length; i++) out[i] = (float) m[i];
    return out;
  }

  /** The post-processing chain on one g x g map, in place (package-private for tests). */
  static void postprocess(double[] m, int g, int s, Normalization norm, float eps) {
    switch (norm) {
      case NONE:
        if (s > 0) boxFilter(m, g, s);
        break;
      case MINMAX:
        if (s > 0) boxFilter(m, g, s);
        minmax(m, eps);
        break;
      case REFERENCE:
        minmax(m, eps);
        if (s > 0) boxFilter(m, g, s);
        minmax(m, eps);
        break;
      default:
        throw new IllegalArgumentException("normalization: " + norm);
    }
  }

  /** Min-max to [0, 1]; a range of at most eps * max|value| counts as constant and gives zeros. */
  static double minmax(double[] m, float eps) {
    double mn = Double.POSITIVE_INFINITY, mx = Double.NEGATIVE_INFINITY;
    for (double v : m) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    double range = mx - mn, scale = Math.max(Math.abs(mn), Math.abs(mx));
    if (!(range > eps * scale) || !(range > 0)) {
      java.util.Arrays.fill(m, 0.0);
      return 0.0;
    }
    for (int i = 0; i < m.length; i++) m[i] = (m[i] - mn) / range;
    return range;
  }

  /** Box average of radius s; cells outside the grid are not counted (count_include_pad=False). */
  static void boxFilter(double[] m, int g, int s) {
    double[] out = new double[m.length];
    for (int y = 0; y < g; y++) {
      for (int x = 0; x < g; x++) {
        double sum = 0;
        int n = 0;
        for (int yy = y - s; yy <= y + s; yy++) {
          for (int xx = x - s; xx <= x + s; xx++) {
            if (yy >= 0 && yy < g && xx >= 0 && xx < g) {
              sum += m[yy * g + xx];
              n++;
            }
          }
        }
        out[y * g + x] = sum / n;
      }
    }
    System.arraycopy(out, 0, m, 0, m.length);
  }
}
