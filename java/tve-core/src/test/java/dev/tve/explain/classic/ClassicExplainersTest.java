package dev.tve.explain.classic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.explain.Masks;
import dev.tve.explain.Images;
import dev.tve.model.ClassScorer;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.model.ModelOutput;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The classic explainers on a model whose true attributions are known: its score is linear in the
 * patches' mean values, f(x) = b + sum_p w_p mean_p(x), and the fill is zero, so removing patch p
 * costs exactly w_p mean_p(x).
 */
class ClassicExplainersTest {
  static final int S = 12, G = 4, P = G * G, CELL = S / G;

  final double[] w = new double[P];
  final float[] x = new float[2 * S * S];

  ClassicExplainersTest() {
    SplittableRandom r = new SplittableRandom(3);
    for (int p = 0; p < P; p++) w[p] = r.nextDouble() * 2 - 0.5;
    w[9] = 3;   // one clearly dominant patch
    for (int i = 0; i < x.length; i++) x[i] = (float) (0.2 + r.nextDouble());
  }

  /** Linear in patch means; the target picks the sign, so two classes read the same evidence oppositely. */
  final ClassScorer linear = (xs, n, targets) -> {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      double s = 0.1;
      for (int p = 0; p < P; p++) s += w[p] * mean(xs, i * S * S, p);
      out[i] = (float) (targets[i] == 0 ? s : -s);
    }
    return out;
  };

  /** The linear model as the perturbation methods see it (the head is ignored: one model). */
  final ModelOutput out = new ModelOutput() {
    @Override public int channels() { return 1; }
    @Override public int imageSize() { return S; }
    @Override public ExplainedOutput kind() { return ExplainedOutput.LOGIT; }
    @Override public float[] score(float[] xs, int n, Head head, int[] targets, int[] foils) {
      float[] y = linear.probabilities(xs, n, targets);
      if (foils != null) {
        float[] f = linear.probabilities(xs, n, foils);
        for (int i = 0; i < n; i++) y[i] -= f[i];
      }
      return y;
    }
  };

  /** The first n images, keyed by index. */
  Images img(int n) {
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) keys[i] = i;
    return Images.of(x, n, 1, S, keys);
  }

  static double mean(float[] xs, int at, int p) {
    double s = 0;
    int py = p / G, px = p % G;
    for (int y = py * CELL; y < (py + 1) * CELL; y++) for (int xx = px * CELL; xx < (px + 1) * CELL; xx++) s += xs[at + y * S + xx];
    return s / (CELL * CELL);
  }

  double truth(int image, int p) { return w[p] * mean(x, image * S * S, p); }

  @Test
  void occlusionWithoutAWindowIsTheExactContribution() {
    Occlusion occ = Occlusion.builder(out, G).optRadius(0).build();
    float[][] m = occ.attribute(img(2), null, new int[] {0, 1}, null);
    for (int i = 0; i < 2; i++) {
      for (int p = 0; p < P; p++) assertThat((double) m[i][p]).isCloseTo((i == 0 ? 1 : -1) * truth(i, p), within(1e-4));
    }
    assertThat(occ.forwardPasses()).isEqualTo(2L * (P + 1));
  }

  @Test
  void occlusionWithTheWindowAveragesTheWindowsCoveringAPatch() {
    float[][] m = Occlusion.builder(out, G).build().attribute(img(1), null, new int[] {0}, null);
    for (int p = 0; p < P; p++) {
      double sum = 0;
      int count = 0;
      for (int c = 0; c < P; c++) {
        float[] win = Masks.grid(G, c, 1);
        if (win[p] == 0) continue;
        double drop = 0;
        for (int q = 0; q < P; q++) drop += win[q] * truth(0, q);
        sum += drop;
        count++;
      }
      assertThat((double) m[0][p]).isCloseTo(sum / count, within(1e-4));
    }
  }

  @Test
  void kernelShapRecoversTheShapleyValuesOfALinearModel() {
    KernelShap shap = KernelShap.builder(out, G).optRidge(1e-9).optSeed(5).build();
    assertThat(shap.samples()).isEqualTo(2 * P + 2048);
    float[][] phi = shap.attribute(img(2), null, new int[] {0, 1}, null);
    for (int i = 0; i < 2; i++) {
      double total = 0;
      for (int p = 0; p < P; p++) {
        assertThat((double) phi[i][p]).isCloseTo((i == 0 ? 1 : -1) * truth(i, p), within(1e-3));
        total += phi[i][p];
      }
      // Efficiency: the values sum to f(x) - f(fill).
      double fx = linear.probabilities(java.util.Arrays.copyOfRange(x, i * S * S, (i + 1) * S * S), 1, new int[] {i})[0];
      double f0 = linear.probabilities(new float[S * S], 1, new int[] {i})[0];
      assertThat(total).isCloseTo(fx - f0, within(1e-4));
    }
    assertThat(shap.forwardPasses()).isEqualTo(2L * (2 * P + 2048 + 2));
  }

  @Test
  void kernelShapFollowsItsSeed() {
    KernelShap a = KernelShap.builder(out, G).optSamples(40).optSeed(1).build();
    KernelShap b = KernelShap.builder(out, G).optSamples(40).optSeed(1).build();
    KernelShap c = KernelShap.builder(out, G).optSamples(40).optSeed(2).build();
    float[][] ma = a.attribute(img(1), null, new int[] {0}, null);
    assertThat(b.attribute(img(1), null, new int[] {0}, null)).isDeepEqualTo(ma);
    assertThat(c.attribute(img(1), null, new int[] {0}, null)[0]).isNotEqualTo(ma[0]);
  }

  @Test
  void riseRanksTheContributionsOfALinearModel() {
    Rise rise = Rise.builder(out, G).optMasks(3000).optSeed(11).build();
    float[][] m = rise.attribute(img(1), null, new int[] {0}, null);
    assertThat(rise.forwardPasses()).isEqualTo(3000);
    int top = 0;
    for (int p = 1; p < P; p++) if (m[0][p] > m[0][top]) top = p;
    assertThat(top).isEqualTo(9);
    double[] t = new double[P], r = new double[P];
    for (int p = 0; p < P; p++) {
      t[p] = truth(0, p);
      r[p] = m[0][p];
    }
    // RISE's smooth masks blur the map (neighbouring patches are masked together), so the ranks
    // only roughly follow the exact contributions (0.65 here).
    assertThat(spearman(t, r)).isGreaterThan(0.5);
    // The same seed draws the same masks.
    assertThat(Rise.builder(out, G).optMasks(3000).optSeed(11).build().attribute(img(1), null, new int[] {0}, null)).isDeepEqualTo(m);
  }

  @Test
  void riseMasksAreSmoothAndKeepAboutHalf() {
    Rise rise = Rise.builder(out, G).optMasks(500).build();
    double sum = 0;
    for (int i = 0; i < 500; i++) {
      float[] m = rise.mask(i);
      for (float v : m) {
        assertThat(v).isBetween(0f, 1f);
        sum += v;
      }
    }
    assertThat(sum / (500.0 * S * S)).isCloseTo(0.5, within(0.05));
  }

  static double spearman(double[] a, double[] b) {
    double[] ra = ranks(a), rb = ranks(b);
    double ma = 0, mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += ra[i] / a.length;
      mb += rb[i] / a.length;
    }
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (ra[i] - ma) * (rb[i] - mb);
      aa += (ra[i] - ma) * (ra[i] - ma);
      bb += (rb[i] - mb) * (rb[i] - mb);
    }
    return ab / Math.sqrt(aa * bb);
  }

  static double[] ranks(double[] v) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < v.length; i++) idx[i] = i;
    java.util.Arrays.sort(idx, (p, q) -> Double.compare(v[p], v[q]));
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) r[idx[i]] = i;
    return r;
  }

  @Test
  void aContrastiveTargetIsTheDifferenceOfTheTwoClasses() {
    Occlusion occ = Occlusion.builder(out, G).optRadius(0).build();
    float[][] vs = occ.attribute(img(1), null, new int[] {0}, new int[] {1});
    // f_0 - f_1 = 2 f_0 for this model: twice the plain map.
    float[][] plain = occ.attribute(img(1), null, new int[] {0}, null);
    for (int p = 0; p < P; p++) assertThat((double) vs[0][p]).isCloseTo(2 * plain[0][p], within(1e-4));
  }

  @Test
  void kernelShapSeedsPerImageNotPerBatch() {
    KernelShap shap = KernelShap.builder(out, G).optSamples(40).optSeed(3).build();
    float[][] both = shap.attribute(Images.of(x, 2, 1, S), null, new int[] {0, 0}, null);
    float[] second = java.util.Arrays.copyOfRange(x, S * S, 2 * S * S);
    float[][] alone = shap.attribute(Images.of(second, 1, 1, S), null, new int[] {0}, null);
    assertThat(alone[0]).containsExactly(both[1]);
  }
}
