package dev.tve.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.explain.GameSampling;
import dev.tve.explain.PatchGame;
import dev.tve.model.Encoder;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The patch game's exact values, the antithetic reference sampler and the coalition samplers, on a small known game. */
class ShapleyAgreementTest {
  /** 1 x 4 x 4 images, a 2 x 2 grid (4 players), D = 3: an additive, a saturating and a multiplicative dimension. */
  static final class ToyEncoder implements Encoder {
    @Override public int dim() { return 3; }
    @Override public int channels() { return 1; }
    @Override public int imageSize() { return 4; }

    @Override
    public float[] embed(Tensor images) {
      int n = (int) images.size(0);
      float[] x = new float[n * 16];
      images.contiguous().data_ptr_float().get(x);
      float[] e = new float[n * 3];
      for (int i = 0; i < n; i++) {
        double[] m = new double[4];
        for (int y = 0; y < 4; y++) for (int c = 0; c < 4; c++) m[(y / 2) * 2 + c / 2] += x[i * 16 + y * 4 + c] / 4;
        e[i * 3] = (float) (m[0] + m[1] + m[2] + m[3]);
        e[i * 3 + 1] = (float) Math.tanh(m[0] * m[1] + m[2]);
        e[i * 3 + 2] = (float) (Math.max(m[0], m[3]) * m[1]);
      }
      return e;
    }
  }

  static float[] image() {
    float[] x = new float[16];
    SplittableRandom r = new SplittableRandom(4);
    for (int i = 0; i < 16; i++) x[i] = (float) (0.5 + r.nextDouble());
    return x;
  }

  @Test
  void exactValuesAreEfficientAndGiveAnAdditiveDimensionItsTerms() {
    PatchGame game = new PatchGame(new ToyEncoder(), 2, 64);
    float[] x = image(), empty = game.empty();
    float[] full = game.values(x, new int[1], new boolean[][] {{true, true, true, true}});
    float[] phi = ShapleyAgreement.exactShapley(game, x, full, empty);
    for (int k = 0; k < 3; k++) {
      double sum = 0;
      for (int p = 0; p < 4; p++) sum += phi[p * 3 + k];
      assertThat(sum).as("efficiency, dimension %d", k).isCloseTo(full[k] - empty[k], within(1e-5));
    }
    for (int p = 0; p < 4; p++) {
      boolean[] only = new boolean[4];
      only[p] = true;
      float[] alone = game.values(x, new int[1], new boolean[][] {only});
      assertThat((double) phi[p * 3]).as("additive: patch %d's own term", p).isCloseTo(alone[0] - empty[0], within(1e-5));
    }
    // The multiplicative dimension max(m0, m3) * m1 with an empty fill of 0: patch 2 is a null player there.
    assertThat((double) phi[2 * 3 + 2]).isCloseTo(0, within(1e-6));
  }

  @Test
  void theAntitheticSamplerConvergesToTheExactValuesAndSplitsIntoEqualHalves() {
    PatchGame game = new PatchGame(new ToyEncoder(), 2, 64);
    float[] x = image(), empty = game.empty();
    float[] full = game.values(x, new int[1], new boolean[][] {{true, true, true, true}});
    float[] exact = ShapleyAgreement.exactShapley(game, x, full, empty);
    double[][] halves = new double[2][12];
    int pairs = 4000;
    ShapleyAgreement.sample(game, x, full, empty, pairs, 0, halves, new SplittableRandom(9));
    for (int k = 0; k < 12; k++) {
      assertThat((halves[0][k] + halves[1][k]) / pairs).isCloseTo(exact[k], within(0.01));
      assertThat(halves[0][k] / (pairs / 2)).isCloseTo(exact[k], within(0.02));
    }
    // Every whole order telescopes: its contributions sum to e(x) - e(x_empty) exactly.
    double[] one = new double[12];
    GameSampling.Segment s = new GameSampling.Segment(GameSampling.permutation(4, new SplittableRandom(1)), 0, 4);
    float[] v = game.values(x, new int[s.coalitions().size()], s.coalitions().toArray(new boolean[0][]));
    s.addTargets(v, 0, full, empty, one, null);
    for (int k = 0; k < 3; k++) assertThat(one[k] + one[3 + k] + one[6 + k] + one[9 + k]).isCloseTo(full[k] - empty[k], within(1e-5));
  }

  @Test
  void samplersDrawTheirWeightings() {
    SplittableRandom r = new SplittableRandom(3);
    int p = 10, n = 200_000;
    int[] sizes = new int[p + 1];
    for (int i = 0; i < n; i++) {
      int k = 0;
      for (boolean b : GameSampling.kernelCoalition(p, r)) k += b ? 1 : 0;
      sizes[k]++;
    }
    double total = 0;
    for (int k = 1; k < p; k++) total += 1.0 / (k * (p - k));
    assertThat(sizes[0] + sizes[p]).isZero();
    for (int k = 1; k < p; k++) assertThat(sizes[k] / (double) n).as("size %d", k).isCloseTo(1.0 / (k * (p - k)) / total, within(0.005));
    // Segments cover every place of the order equally often (length / (p + length - 1)).
    int[] covered = new int[p];
    for (int i = 0; i < n; i++) {
      GameSampling.Segment s = GameSampling.segment(p, 4, r);
      int[] perm = GameSampling.permutation(p, new SplittableRandom(0));
      for (int q : s.players()) covered[q]++;
      assertThat(perm).hasSize(p);
    }
    for (int q = 0; q < p; q++) assertThat(covered[q] / (double) n).isCloseTo(4.0 / (p + 3), within(0.01));
  }
}
