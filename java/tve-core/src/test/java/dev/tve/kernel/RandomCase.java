package dev.tve.kernel;

import java.util.Random;

/** A random projection case with odd shapes; reproducible from its seed. */
final class RandomCase {
  final long seed;
  final int batch, grid, dim, classes, k, smooth;
  final ClsRow cls;
  final Normalization norm;
  final float lambdaPos, lambdaNeg;
  final float[] ePos, eNeg, weight, bias;
  final int[] rows, foils;

  RandomCase(long seed) {
    this(seed, -1, -1);
  }

  /** dimOverride / gridOverride < 0: random. */
  RandomCase(long seed, int gridOverride, int dimOverride) {
    this.seed = seed;
    Random r = new Random(seed);
    batch = 1 + r.nextInt(4);
    grid = gridOverride > 0 ? gridOverride : 1 + r.nextInt(9);            // P = 1 .. 81
    int[] dims = {1, 3, 7, 8, 15, 16, 17, 31, 33, 48, 63, 64, 65, 100, 129};
    dim = dimOverride > 0 ? dimOverride : (r.nextInt(3) == 0 ? 1 + r.nextInt(140) : dims[r.nextInt(dims.length)]);
    classes = 1 + r.nextInt(12);
    k = 1 + r.nextInt(4);
    smooth = r.nextInt(4);
    cls = ClsRow.values()[r.nextInt(3)];
    norm = Normalization.values()[r.nextInt(3)];
    float[] lambdas = {0f, 1f, 1f, 0.5f, -1.25f, 2f};
    float lp = lambdas[r.nextInt(lambdas.length)], ln = lambdas[r.nextInt(lambdas.length)];
    int sides = r.nextInt(4);  // 0: both, 1: only E+, 2: only E-, 3: both
    if (lp == 0f && ln == 0f) lp = 1f;
    lambdaPos = lp;
    lambdaNeg = ln;
    long n = (long) batch * cls.rows(grid) * dim;
    ePos = sides == 2 ? null : gaussian(r, n, 1f);
    eNeg = sides == 1 ? null : gaussian(r, n, 1f);
    weight = gaussian(r, (long) classes * dim, 0.3f);
    bias = r.nextBoolean() ? gaussian(r, classes, 1f) : null;
    rows = new int[batch * k];
    for (int i = 0; i < rows.length; i++) rows[i] = r.nextInt(classes);
    if (r.nextInt(3) == 0) {
      foils = new int[batch * k];
      for (int i = 0; i < foils.length; i++) foils[i] = r.nextInt(classes + 1) - 1;  // -1 = none
    } else {
      foils = null;
    }
  }

  static float[] gaussian(Random r, long n, float scale) {
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * scale;
    return v;
  }

  ProjectionOptions options() {
    return ProjectionOptions.builder(grid).optClsRow(cls).optLambdaPos(lambdaPos).optLambdaNeg(lambdaNeg)
        .optSmoothRadius(smooth).optNormalization(norm).build();
  }

  ProjectionRequest request() {
    Targets t = foils == null ? Targets.perImage(k, rows) : Targets.contrastive(k, rows, foils);
    return ProjectionRequest.builder(ePos == null ? null : FloatView.of(ePos), eNeg == null ? null : FloatView.of(eNeg),
        batch, HeadWeights.of(weight, bias, classes, dim), t, options()).build();
  }

  @Override
  public String toString() {
    return "RandomCase[seed=" + seed + " B=" + batch + " g=" + grid + " D=" + dim + " C=" + classes + " K=" + k
        + " cls=" + cls + " norm=" + norm + " s=" + smooth + " l+=" + lambdaPos + " l-=" + lambdaNeg
        + " E+=" + (ePos != null) + " E-=" + (eNeg != null) + " bias=" + (bias != null) + " foils=" + (foils != null) + "]";
  }
}
