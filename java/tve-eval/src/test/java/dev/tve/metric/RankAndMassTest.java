package dev.tve.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.image.Box;
import dev.tve.model.ClassScorer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Rank correlations against scipy's values, relevance mass, faithfulness correlation on a model whose drops are known. */
class RankAndMassTest {
  @Test
  void rankCorrelationsMatchScipyWithTies() {
    float[] a = {1, 2, 2, 3, 5, 4, 4, 0}, b = {2, 1, 3, 3, 6, 4, 5, 1};
    // scipy.stats.kendalltau (tau-b) and spearmanr on the same data.
    assertThat(RankCorrelation.kendall(a, b)).isCloseTo(0.8461538461538463, within(1e-12));
    assertThat(RankCorrelation.spearman(a, b)).isCloseTo(0.9146341463414636, within(1e-12));
    float[] rev = new float[a.length];
    for (int i = 0; i < a.length; i++) rev[i] = -a[i];
    assertThat(RankCorrelation.spearman(a, rev)).isCloseTo(-1, within(1e-12));
    assertThat(RankCorrelation.kendall(a, rev)).isCloseTo(-1, within(1e-12));
    // A constant map has no rank order: no correlation at all (NaN, reported as "constant"), not a 0 that passes a sanity check.
    assertThat(RankCorrelation.spearman(a, new float[a.length])).isNaN();
    assertThat(RankCorrelation.kendall(a, new float[a.length])).isNaN();
  }

  @Test
  void relevanceMassCountsPositiveAttributionOnPatchesInTheBox() {
    // 56 px, 7 x 7 grid, cell 8: the box covers patch centres of columns 1-2, rows 1-2 (centres at 12 and 20).
    Box box = new Box(8, 8, 24, 24);
    float[] map = new float[49];
    map[8] = 3;      // (1, 1): in
    map[16] = 1;     // (2, 2): in
    map[0] = 4;      // (0, 0): out
    map[48] = -10;   // negative: ignored
    assertThat(RelevanceMass.inBox(map, 7, 56, box)).isCloseTo(0.5, within(1e-12));
    assertThat(RelevanceMass.inBox(new float[49], 7, 56, box)).isZero();
  }

  @Test
  void faithfulnessCorrelationIsOneForTheTrueContributions() {
    // Model: p = 0.5 + sum_p w_p * mean(patch p); removing to a zero canvas drops exactly sum_{p in S} w_p * mean_p.
    int s = 56, g = 7, cell = 8, f = s * s;
    SplittableRandom r = new SplittableRandom(1);
    double[] w = new double[49];
    for (int p = 0; p < 49; p++) w[p] = r.nextGaussian() * 0.01;
    ClassScorer model = (x, n, targets) -> {
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        double v = 0.5;
        for (int q = 0; q < f; q++) v += w[(q / s / cell) * g + (q % s) / cell] * x[i * f + q] / (cell * cell);
        out[i] = (float) v;
      }
      return out;
    };
    float[] img = new float[f];
    for (int q = 0; q < f; q++) img[q] = (float) r.nextDouble();
    float[] truth = new float[49];
    for (int q = 0; q < f; q++) truth[(q / s / cell) * g + (q % s) / cell] += (float) (w[(q / s / cell) * g + (q % s) / cell] * img[q] / (cell * cell));
    FaithfulnessCorrelation fc = new FaithfulnessCorrelation(model, 1, s, g, 100, FaithfulnessCorrelation.defaultTake(49), 7, 64);
    FaithfulnessCorrelation.Drops d = fc.drops(List.of(new FaithfulnessCorrelation.Job(img, new float[f], 0, 3))).get(0);
    assertThat(FaithfulnessCorrelation.defaultTake(49)).isEqualTo(6);
    for (boolean[] set : d.subsets()) {
      int k = 0;
      for (boolean b : set) if (b) k++;
      assertThat(k).isEqualTo(6);
    }
    assertThat(FaithfulnessCorrelation.score(truth, d)).isCloseTo(1, within(1e-3));
    float[] negated = truth.clone();
    for (int p = 0; p < 49; p++) negated[p] = -negated[p];
    assertThat(FaithfulnessCorrelation.score(negated, d)).isCloseTo(-1, within(1e-3));
    float[] noise = new float[49];
    for (int p = 0; p < 49; p++) noise[p] = (float) r.nextDouble();
    assertThat(Math.abs(FaithfulnessCorrelation.score(noise, d))).isLessThan(0.5);
    // Same key, same subsets; another key, others.
    assertThat(FaithfulnessCorrelation.subsets(49, 100, 6, 7, 3)).isDeepEqualTo(d.subsets());
    assertThat(java.util.Arrays.deepEquals(FaithfulnessCorrelation.subsets(49, 100, 6, 7, 4), d.subsets())).isFalse();
  }

  @Test
  void meanIntervalCoversTheMeanAndEveryMeasureHasADirection() {
    double[] v = new double[200];
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < v.length; i++) v[i] = 1 + r.nextGaussian();
    MeanInterval m = MeanInterval.of(v, 7);
    assertThat(m.lo()).isLessThan(m.mean());
    assertThat(m.hi()).isGreaterThan(m.mean());
    assertThat(m.hi() - m.lo()).isBetween(0.2, 0.35);   // ~ 2 * 1.96 / sqrt(200) = 0.28
    for (Measure x : Measure.values()) {
      assertThat(x.direction()).isNotNull();
      if (x.category() != Measure.Category.AGREEMENT) assertThat(x.direction()).isNotEqualTo(Direction.NEITHER);
    }
  }
}
