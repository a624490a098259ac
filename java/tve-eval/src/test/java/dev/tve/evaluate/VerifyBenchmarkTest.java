package dev.tve.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VerifyBenchmarkTest {
  @Test
  void aurocIsTheProbabilityThatAnOutlierScoresHigherTiesCountingHalf() {
    assertThat(VerifyBenchmark.auroc(new double[] {1, 2, 3}, new double[] {4, 5})).isEqualTo(1.0);
    assertThat(VerifyBenchmark.auroc(new double[] {4, 5}, new double[] {1, 2, 3})).isEqualTo(0.0);
    assertThat(VerifyBenchmark.auroc(new double[] {1, 1}, new double[] {1})).isEqualTo(0.5);
    // pairs: (1 vs 0) lose, (1 vs 2) win, (3 vs 0) win, (3 vs 2) win -> 3/4
    assertThat(VerifyBenchmark.auroc(new double[] {0, 2}, new double[] {1, 3})).isCloseTo(0.75, within(1e-12));
    // one tie among four pairs: (2 vs 2) half, (2 vs 1) win, (0 vs 2) lose, (0 vs 1) lose -> 1.5/4
    assertThat(VerifyBenchmark.auroc(new double[] {2, 1}, new double[] {2, 0})).isCloseTo(0.375, within(1e-12));
    assertThat(VerifyBenchmark.auroc(new double[] {}, new double[] {1})).isNaN();
    assertThat(VerifyBenchmark.auroc(new double[] {Double.NaN}, new double[] {1})).isNaN();
  }
}
