package dev.tve.metric;

import dev.tve.model.ClassScorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PatchCurvesTest {
  static final int S = 8, G = 4, P = G * G;

  /** A model whose class probability is the fraction of the object's original brightness still there (object: the top-left 4x4). */
  static ClassScorer objectScorer(float[] original) {
    return (x, n, targets) -> {
      float[] p = new float[n];
      double total = 0;
      for (int y = 0; y < 4; y++) for (int xx = 0; xx < 4; xx++) total += original[y * S + xx];
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int y = 0; y < 4; y++) for (int xx = 0; xx < 4; xx++) s += Math.max(0, x[i * S * S + y * S + xx]);
        p[i] = (float) Math.min(1, s / total);
      }
      return p;
    };
  }

  static float[] image() {
    float[] img = new float[S * S];
    for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img[y * S + x] = 1 + (y * 4 + x) % 3;
    return img;
  }

  /** The object's patches (grid 4x4 of 2x2 patches: the top-left 2x2 patches) ranked first, or last. */
  static float[] objectMap(boolean objectFirst) {
    float[] m = new float[P];
    for (int p = 0; p < P; p++) {
      boolean object = p / G < 2 && p % G < 2;
      m[p] = object == objectFirst ? 1 + p * 0.01f : -1 - p * 0.01f;
    }
    return m;
  }

  @Test
  void areaUsesTheTrapezoidRuleOnTheUnitInterval() {
    assertThat(PatchCurves.auc(new float[] {0.7f, 0.7f, 0.7f})).isCloseTo(0.7, within(1e-6));
    assertThat(PatchCurves.auc(new float[] {1f, 0.5f, 0f})).isCloseTo(0.5, within(1e-9));
    assertThat(PatchCurves.auc(new float[] {1f, 0f, 0f, 0f, 0f})).isCloseTo(0.125, within(1e-9));
  }

  @Test
  void orderIsDescendingWithTiesByIndex() {
    assertThat(PatchCurves.order(new float[] {0.1f, 0.9f, 0.5f, 0.9f})).containsExactly(1, 3, 2, 0);
  }

  @Test
  void aFaithfulOrderDeletesFasterAndInsertsFasterThanItsReverse() {
    float[] img = image(), black = new float[S * S];
    PatchCurves curves = new PatchCurves(objectScorer(img), 1, S, G, 5);
    int[] good = PatchCurves.order(objectMap(true)), bad = PatchCurves.order(objectMap(false));
    float[][] y = curves.run(List.of(new PatchCurves.Job(img, black, good, 0), new PatchCurves.Job(img, black, bad, 0),
        new PatchCurves.Job(black, img, good, 0), new PatchCurves.Job(black, img, bad, 0)));
    for (float[] c : y) assertThat(c).hasSize(P + 1);
    // The ends are the two images whatever the order.
    assertThat(y[0][0]).isEqualTo(1f);
    assertThat(y[0][P]).isEqualTo(0f);
    assertThat(y[2][0]).isEqualTo(0f);
    assertThat(y[2][P]).isEqualTo(1f);
    // Object first: gone after 4 steps; object last: untouched for 12.
    assertThat(y[0][4]).isEqualTo(0f);
    assertThat(y[1][12]).isEqualTo(1f);
    assertThat(PatchCurves.auc(y[0])).isLessThan(PatchCurves.auc(y[1]) - 0.5);
    assertThat(PatchCurves.auc(y[2])).isGreaterThan(PatchCurves.auc(y[3]) + 0.5);
  }

  @Test
  void curvesDoNotDependOnTheChunkSize() {
    float[] img = image(), black = new float[S * S];
    int[] order = PatchCurves.order(new float[] {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3});
    List<PatchCurves.Job> jobs = List.of(new PatchCurves.Job(img, black, order, 0), new PatchCurves.Job(black, img, order, 0));
    float[][] one = new PatchCurves(objectScorer(img), 1, S, G, 1).run(jobs);
    float[][] many = new PatchCurves(objectScorer(img), 1, S, G, 1000).run(jobs);
    float[][] odd = new PatchCurves(objectScorer(img), 1, S, G, 7).run(jobs);
    assertThat(many).isDeepEqualTo(one);
    assertThat(odd).isDeepEqualTo(one);
  }
}
