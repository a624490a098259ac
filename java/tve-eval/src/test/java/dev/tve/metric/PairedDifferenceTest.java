package dev.tve.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PairedDifferenceTest {
  static double[] noise(int n, double shift, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = shift + r.nextGaussian() * 0.2;
    return v;
  }

  @Test
  void aClearLossOfDeletionAreaIsBetterWithAnIntervalBelowZero() {
    double[] b = noise(400, 0.5, 1), a = b.clone();
    double[] e = noise(400, -0.1, 2);
    for (int i = 0; i < a.length; i++) a[i] += e[i];
    PairedDifference d = PairedDifference.of(a, b, Direction.LOWER_IS_BETTER, 7);
    assertThat(d.mean()).isCloseTo(-0.1, within(0.03));
    assertThat(d.lo()).isLessThan(d.mean());
    assertThat(d.hi()).isGreaterThan(d.mean()).isLessThan(0);
    assertThat(d.better()).isTrue();
    // The same gap is worse where higher is better.
    assertThat(PairedDifference.of(a, b, Direction.HIGHER_IS_BETTER, 7).better()).isFalse();
    assertThat(PairedDifference.of(a, b, Direction.HIGHER_IS_BETTER, 7).significant()).isTrue();
  }

  @Test
  void noDifferenceIsNotSignificant() {
    double[] a = noise(300, 0, 3), b = noise(300, 0, 4);
    PairedDifference d = PairedDifference.of(a, b, Direction.HIGHER_IS_BETTER, 7);
    assertThat(d.lo()).isLessThan(0);
    assertThat(d.hi()).isGreaterThan(0);
    assertThat(d.significant()).isFalse();
  }

  @Test
  void theIntervalFollowsTheSeedAndHasTheNormalWidth() {
    double[] a = noise(500, 0.05, 5), b = new double[500];
    PairedDifference x = PairedDifference.of(a, b, Direction.HIGHER_IS_BETTER, 11), y = PairedDifference.of(a, b, Direction.HIGHER_IS_BETTER, 11);
    assertThat(x).isEqualTo(y);
    // About +-1.96 sd / sqrt(n) = +-0.0175 around the mean.
    assertThat(x.hi() - x.lo()).isCloseTo(2 * 1.96 * 0.2 / Math.sqrt(500), within(0.005));
  }
}
