package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tve.runtime.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InDistributionTest {
  static final int D = 6;

  /** Two classes: Gaussian clouds with correlated, unequal spreads around different means. */
  static float[] sample(Random r, int n, int[] groups) {
    float[] x = new float[n * D];
    for (int i = 0; i < n; i++) {
      int g = i % 2;
      if (groups != null) groups[i] = g;
      double shared = r.nextGaussian();
      for (int k = 0; k < D; k++) x[i * D + k] = (float) ((g == 0 ? -3 : 3) * (k == 0 ? 1 : 0) + (k + 1) * 0.5 * r.nextGaussian() + shared);
    }
    return x;
  }

  @Test
  void flagsTheCalibratedFractionOfFreshInDistributionRowsAndFarRows() {
    Random r = new Random(3);
    int[] groups = new int[4000];
    InDistribution d = InDistribution.fit(sample(r, 4000, groups), groups, 2, D).calibrated(sample(r, 2000, null), 0.1);
    float[] fresh = sample(r, 4000, null);
    int flagged = 0;
    for (int i = 0; i < 4000; i++) if (!d.inDistribution(fresh, i)) flagged++;
    assertThat(flagged / 4000.0).isCloseTo(0.1, within(0.03));
    float[] far = new float[D];
    far[3] = 40;                                          // along a narrow direction, far from both means
    assertThat(d.inDistribution(far, 0)).isFalse();
    float[] nan = new float[D];
    nan[0] = Float.NaN;
    assertThat(d.inDistribution(nan, 0)).isFalse();
    // The distance is to the nearest class mean: a class's own mean is at distance 0.
    float[] mean0 = new float[D];
    mean0[0] = -3;
    assertThat(d.distance(mean0, 0)).isLessThan(d.threshold() / 10);
  }

  @Test
  void theInverseIsAnInverse() {
    Random r = new Random(1);
    int n = 5;
    double[] b = new double[n * n], a = new double[n * n];
    for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
      for (int k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
      if (i == j) a[i * n + j] += 0.1;
    }
    double[] inv = InDistribution.invert(a, n);
    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
      double s = 0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
      assertThat(s).isCloseTo(i == j ? 1 : 0, within(1e-9));
    }
  }

  @Test
  void savesAndLoadsExactlyAndRefusesOtherWeightsOrAlteredArrays(@TempDir Path dir) throws Exception {
    Random r = new Random(5);
    int[] groups = new int[500];
    InDistribution d = InDistribution.fit(sample(r, 500, groups), groups, 2, D).calibrated(sample(r, 200, null), 0.05);
    d.save(dir, 0.05, "fit rows", "held-out rows", "abc");
    InDistribution back = InDistribution.load(dir, "abc");
    float[] probe = sample(r, 50, null);
    for (int i = 0; i < 50; i++) assertThat(back.distance(probe, i)).isCloseTo(d.distance(probe, i), within(1e-3 * (1 + d.distance(probe, i))));
    assertThat(back.threshold()).isEqualTo(d.threshold());
    assertThat(InDistribution.load(dir.resolve("nowhere"), "abc")).isNull();
    assertThatThrownBy(() -> InDistribution.load(dir, "other")).isInstanceOf(ModelFileException.class).hasMessageContaining("other encoder weights");
    byte[] b = Files.readAllBytes(dir.resolve(InDistribution.ARRAYS));
    b[b.length - 1] ^= 1;
    Files.write(dir.resolve(InDistribution.ARRAYS), b);
    assertThatThrownBy(() -> InDistribution.load(dir, "abc")).isInstanceOf(ModelFileException.class).hasMessageContaining("SHA-256");
  }

  @Test
  void tooFewRowsAreRefused() {
    assertThatThrownBy(() -> InDistribution.fit(new float[D * 3], new int[3], 2, D)).hasMessageContaining("more rows than dimensions");
  }
}
