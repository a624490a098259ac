package dev.tve.explain;

import dev.tve.image.ImageSource;
import dev.tve.image.NativeTensors;
import dev.tve.model.Encoder;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;

/**
 * How well an explainer predicts the real masked embeddings: for random centres, the encoder runs on
 * the real masked copies and E+ / E- are compared with them. Held-out R^2 (pooled over samples and
 * dimensions, against each dimension's mean: 1 is perfect, 0 is no better than the mean embedding)
 * and mean cosine similarity, per sign; the within-image R^2 (each image's own mean over its centres
 * taken out of both: what a map's ranking of cells depends on, where the pooled R^2 also rewards
 * getting each image's overall embedding right); and per image, the mean cosine over both signs, which
 * {@code tve explain --verify N} reports to flag images the explainer should not be trusted on.
 *
 * <pre>{@code
 * Verification.Report r = Verification.measure(net, encoder, validation, 0, 500, 4, 1, 7);
 * double r2 = r.r2Keep();
 * }</pre>
 */
public final class Verification {
  private Verification() {}

  /**
   * @param cosine per image, the mean cosine similarity of predicted and true embeddings over its
   *     centres and both signs
   * @param r2WithinKeep R^2 of E+ around each image's mean over its centres (NaN with one centre)
   * @param r2WithinRemove the same for E-
   * @param fitError per image, the mean squared error of predicted against true embeddings over its
   *     centres, both signs and every dimension (what {@code --verify}'s explainerFit flag thresholds)
   */
  public record Report(double r2Keep, double r2Remove, double cosineKeep, double cosineRemove, int images, int centres, float[] cosine,
      double r2WithinKeep, double r2WithinRemove, float[] fitError) {}

  /** Images [first, first + n) of {@code images}, {@code centres} random centres each (seeded). */
  public static Report measure(ExplainerNetwork net, Encoder encoder, ImageSource images, long first, int n, int centres, int radius,
      long seed) {
    return measure(net, encoder, images, first, n, centres, radius, seed, new float[][] {new float[encoder.channels()]});
  }

  /** As above, with masked pixels filled as pre-training filled them ({@link MaskedTargets.Fill#values}). */
  public static Report measure(ExplainerNetwork net, Encoder encoder, ImageSource images, long first, int n, int centres, int radius,
      long seed, float[][] fills) {
    return measure(net, encoder, images, first, n, centres, radius, seed, null, fills);
  }

  /**
   * As above, image i's centres drawn from its own seed: an image gets the same centres whatever
   * batch, or place in it, it comes in (what {@code --verify} uses, keyed by the file).
   *
   * @param imageSeeds [n] one seed per image
   */
  public static Report measure(ExplainerNetwork net, Encoder encoder, ImageSource images, long first, int n, int centres, int radius,
      long[] imageSeeds, float[][] fills) {
    if (imageSeeds.length != n) throw new IllegalArgumentException(imageSeeds.length + " seeds for " + n + " images");
    return measure(net, encoder, images, first, n, centres, radius, 0, imageSeeds, fills);
  }

  private static Report measure(ExplainerNetwork net, Encoder encoder, ImageSource images, long first, int n, int centres, int radius,
      long seed, long[] imageSeeds, float[][] fills) {
    int batch = 32;
    ExplainerNetwork.Config cfg = net.config();
    int g = cfg.grid(), p = g * g, d = cfg.dim();
    MaskedTargets targets = new MaskedTargets(encoder, g, radius, 256, fills);
    SplittableRandom r = new SplittableRandom(seed);
    int total = n * centres;
    float[] predK = new float[total * d], predR = new float[total * d], trueK = new float[total * d], trueR = new float[total * d];
    float[] x = new float[batch * images.imageFloats()], pos = new float[batch * p * d], neg = new float[batch * p * d];
    for (int done = 0; done < n; done += batch) {
      int b = Math.min(batch, n - done);
      images.fill(first + done, b, x);
      int[] cs = new int[b * centres];
      for (int i = 0; i < b; i++) {
        SplittableRandom ri = imageSeeds == null ? r : new SplittableRandom(imageSeeds[done + i]);
        for (int j = 0; j < centres; j++) cs[i * centres + j] = ri.nextInt(p);
      }
      float[][] t = targets.compute(x, b, cs, centres);
      try (PointerScope scope = new PointerScope()) {   // the batch's native copy and tensors, freed here, not by GC
        net.predict(NativeTensors.copyOf(x, 0, b, cfg.channels(), cfg.imageSize(), cfg.imageSize()), pos, neg);
      }
      for (int j = 0; j < b * centres; j++) {
        int row = done * centres + j, src = ((j / centres) * p + cs[j]) * d;
        System.arraycopy(pos, src, predK, row * d, d);
        System.arraycopy(neg, src, predR, row * d, d);
      }
      System.arraycopy(t[0], 0, trueK, done * centres * d, b * centres * d);
      System.arraycopy(t[1], 0, trueR, done * centres * d, b * centres * d);
    }
    float[] cosK = cosines(predK, trueK, d), cosR = cosines(predR, trueR, d), perImage = new float[n], mse = new float[n];
    for (int i = 0; i < n; i++) {
      double s = 0, e = 0;
      for (int j = 0; j < centres; j++) s += cosK[i * centres + j] + cosR[i * centres + j];
      perImage[i] = (float) (s / (2 * centres));
      for (int q = i * centres * d; q < (i + 1) * centres * d; q++) {
        double a = predK[q] - trueK[q], b = predR[q] - trueR[q];
        e += a * a + b * b;
      }
      mse[i] = (float) (e / (2.0 * centres * d));
    }
    return new Report(r2(predK, trueK, d), r2(predR, trueR, d), mean(cosK), mean(cosR), n, centres, perImage,
        r2(centred(predK, d, centres), centred(trueK, d, centres), d), r2(centred(predR, d, centres), centred(trueR, d, centres), d), mse);
  }

  /** Rows [n * m, d] with each group of m rows' own mean taken out. */
  static float[] centred(float[] rows, int d, int m) {
    float[] out = rows.clone();
    int groups = rows.length / (d * m);
    for (int gi = 0; gi < groups; gi++) {
      for (int k = 0; k < d; k++) {
        double mu = 0;
        for (int j = 0; j < m; j++) mu += rows[(gi * m + j) * d + k];
        mu /= m;
        for (int j = 0; j < m; j++) out[(gi * m + j) * d + k] = (float) (rows[(gi * m + j) * d + k] - mu);
      }
    }
    return out;
  }

  /** The q-quantile (0..1, nearest rank) of values. */
  public static double percentile(float[] values, double q) {
    if (values.length == 0) return Double.NaN;
    float[] v = values.clone();
    java.util.Arrays.sort(v);
    int i = (int) Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1));
    return v[i];
  }

  /** An image source over images already in memory ([n, C, S, S]). */
  public static ImageSource inMemory(float[] x, int n, int channels, int size) {
    return new ImageSource() {
      @Override public int channels() { return channels; }
      @Override public int size() { return size; }
      @Override public long count() { return n; }
      @Override public void fill(long first, int k, float[] out) {
        int f = channels * size * size;
        System.arraycopy(x, (int) first * f, out, 0, k * f);
      }
    };
  }

  /** Pooled R^2 of predictions against truths, [rows, d] each. */
  static double r2(float[] pred, float[] truth, int d) {
    int rows = truth.length / d;
    double[] mu = new double[d];
    for (int i = 0; i < rows; i++) for (int k = 0; k < d; k++) mu[k] += truth[i * d + k];
    for (int k = 0; k < d; k++) mu[k] /= rows;
    double sse = 0, sst = 0;
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < d; k++) {
        double e = pred[i * d + k] - truth[i * d + k], v = truth[i * d + k] - mu[k];
        sse += e * e;
        sst += v * v;
      }
    }
    return sst > 0 ? 1 - sse / sst : Double.NaN;
  }

  static float[] cosines(float[] a, float[] b, int d) {
    float[] out = new float[a.length / d];
    for (int i = 0; i < out.length; i++) {
      double ab = 0, aa = 0, bb = 0;
      for (int k = 0; k < d; k++) {
        ab += (double) a[i * d + k] * b[i * d + k];
        aa += (double) a[i * d + k] * a[i * d + k];
        bb += (double) b[i * d + k] * b[i * d + k];
      }
      out[i] = (float) (ab / Math.sqrt(Math.max(aa * bb, 1e-30)));
    }
    return out;
  }

  private static double mean(float[] v) {
    double s = 0;
    for (float f : v) s += f;
    return s / v.length;
  }
}
