package dev.tve.explain;

import dev.tve.image.ImageSource;
import dev.tve.image.NativeTensors;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Held-out fit of a Shapley or Banzhaf explainer: on images it did not train on, how well its values
 * add up to the game's. For coalitions S of uniform size (each with its complement; the Shapley kernel's
 * sizes crowd at the extremes, where the efficiency-corrected sum is right whatever the explainer), the prediction
 * e(x_empty) + sum_{p in S} Phi_p (Phi efficiency-corrected) against the encoder's e(x_S); for Banzhaf,
 * uniform coalitions and the paired difference sum_S Phi - sum_{N-S} Phi against e(x_S) - e(x_{N-S}).
 * R² over every coalition and embedding dimension, about each dimension's mean (1 is a perfect
 * additive fit; a game with interactions has a ceiling below 1 that even the exact values do not pass).
 *
 * <pre>{@code
 * double r2 = GameFit.r2(net, game, validation, 0, 64, 4, 7);
 * }</pre>
 */
public final class GameFit {
  private GameFit() {}

  /**
   * @param net a game explainer, in eval mode
   * @param game the game it learnt
   * @param images held-out images
   * @param first the first image
   * @param n images
   * @param pairs coalition pairs per image
   * @param seed the coalitions' seed
   * @return R² of the additive prediction (higher is better; NaN when no image was read)
   */
  public static double r2(ExplainerNetwork net, PatchGame game, ImageSource images, long first, int n, int pairs, long seed) {
    ExplainerNetwork.Config cfg = net.config();
    if (!cfg.isGame()) throw new IllegalArgumentException("a window explainer has no game to fit");
    boolean banzhaf = cfg.objectiveKind() == Objective.BANZHAF;
    int p = game.players(), d = game.dim(), batch = 16;
    float[] empty = game.empty();
    n = (int) Math.min(n, images.count() - first);
    if (n <= 0) return Double.NaN;
    SplittableRandom r = new SplittableRandom(seed);
    double[] sum = new double[d], sq = new double[d];
    double sse = 0;
    long rows = 0;
    float[] x = new float[batch * images.imageFloats()];
    for (int done = 0; done < n; done += batch) {
      int b = Math.min(batch, n - done);
      images.fill(first + done, b, x);
      float[] phi = phi(net, game, x, b, empty, !banzhaf);
      boolean[][] z = new boolean[b * pairs * 2][];
      int[] of = new int[z.length];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < pairs; j++) {
          boolean[] s = banzhaf ? GameSampling.uniformCoalition(p, r) : GameSampling.uniformSizeCoalition(p, r);
          int at = 2 * (i * pairs + j);
          z[at] = s;
          z[at + 1] = GameSampling.complement(s);
          of[at] = of[at + 1] = i;
        }
      }
      float[] v = game.values(x, of, z);
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < pairs; j++) {
          int at = 2 * (i * pairs + j);
          for (int side = 0; side < (banzhaf ? 1 : 2); side++) {
            boolean[] s = z[at + side];
            for (int k = 0; k < d; k++) {
              double pred = 0, truth;
              for (int q = 0; q < p; q++) {
                double f = phi[(i * p + q) * d + k];
                if (s[q]) pred += f;
                else if (banzhaf) pred -= f;
              }
              truth = banzhaf ? v[at * d + k] - v[(at + 1) * d + k] : v[(at + side) * d + k] - empty[k];
              sse += (pred - truth) * (pred - truth);
              sum[k] += truth;
              sq[k] += truth * truth;
            }
            rows++;
          }
        }
      }
    }
    double sst = 0;
    for (int k = 0; k < d; k++) sst += sq[k] - sum[k] * sum[k] / rows;
    return sst > 0 ? 1 - sse / sst : Double.NaN;
  }

  /**
   * A game explainer's values for a batch: Phi [b, P, D], efficiency-corrected when asked.
   *
   * @param net the explainer, in eval mode
   * @param game its game (for e(x) and e(x_empty))
   * @param x images [b, C, S, S]
   * @param b images
   * @param empty e(x_empty) [D]
   * @param efficient add the correction to sum_p Phi_p = e(x) - e(x_empty)
   * @return [b * P * D]
   */
  public static float[] phi(ExplainerNetwork net, PatchGame game, float[] x, int b, float[] empty, boolean efficient) {
    ExplainerNetwork.Config cfg = net.config();
    int p = game.players(), d = game.dim();
    float[] out = new float[b * p * d];
    float[] gap = null;
    if (efficient) {
      boolean[][] all = new boolean[b][p];
      int[] of = new int[b];
      for (int i = 0; i < b; i++) {
        java.util.Arrays.fill(all[i], true);
        of[i] = i;
      }
      gap = game.values(x, of, all);
      for (int i = 0; i < b; i++) for (int k = 0; k < d; k++) gap[i * d + k] -= empty[k];
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor phi = net.predictTensors(NativeTensors.copyOf(x, 0, b, cfg.channels(), cfg.imageSize(), cfg.imageSize()))[0];
      if (efficient) phi = ExplainerNetwork.efficient(phi, NativeTensors.copyOf(gap, 0, b, d));
      phi.contiguous().data_ptr_float().get(out);
    }
    return out;
  }
}
