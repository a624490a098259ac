package dev.tve.bench;

import dev.tve.explain.MaskedTargets;
import dev.tve.image.FolderImages;
import dev.tve.image.ImageDecoder;
import dev.tve.model.LinearHead;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a linear head weighs an encoder's embedding dimensions against their spread: over the
 * pre-training targets (keep and remove copies of 256 images at 8 seeded centres each), the spread of
 * every dimension, and the correlation across dimensions of log(mean squared head weight) with
 * log(1 / variance). Near 1: the head leans on the narrow dimensions, which a loss in raw units
 * neglects (the case for {@code tve pretrain --standardise}).
 *
 * <pre>
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" dev.tve.bench.HeadSpread MODEL_DIR IMAGES_DIR HEAD
 * </pre>
 */
public final class HeadSpread {
  private HeadSpread() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: HeadSpread MODEL_DIR IMAGES_DIR HEAD");
      System.exit(2);
    }
    ThreadPolicy.apply();
    try (TargetModel m = TargetModel.load(Path.of(args[0]))) {
      FolderImages images = FolderImages.open(Path.of(args[1]), ImageDecoder.create(), m.input().preprocessing(), e -> {});
      MaskedTargets.Statistics st = new MaskedTargets(m.encoder(), m.input().grid(), 1, 256).statistics(images, 256, 8, 5);
      LinearHead h = (LinearHead) m.head(args[2]);
      float[] w = h.weight();
      int d = m.encoder().dim(), k = h.classes();
      double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, lo = Double.MAX_VALUE, hi = 0;
      int n = 0;
      for (int j = 0; j < d; j++) {
        double var = (double) st.sd()[j] * st.sd()[j], w2 = 0;
        for (int c = 0; c < k; c++) w2 += (double) w[c * d + j] * w[c * d + j] / k;
        if (var <= 1e-12 || w2 <= 0) continue;                        // constant (dead) dimensions
        double x = Math.log(1 / var), y = Math.log(w2);
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
        lo = Math.min(lo, st.sd()[j]);
        hi = Math.max(hi, st.sd()[j]);
        n++;
      }
      double cov = sxy / n - sx / n * sy / n, vx = sxx / n - sx / n * sx / n, vy = syy / n - sy / n * sy / n;
      System.out.printf(Locale.ROOT, "%d of %d dimensions vary; sd %.3g to %.3g (10th to 90th percentile: %s)%n", n, d, lo, hi, spread(st.sd()));
      System.out.printf(Locale.ROOT, "corr(log mean w^2, log 1/var) = %.3f, slope %.3f%n", cov / Math.sqrt(vx * vy), cov / vx);
    }
  }

  private static String spread(float[] sd) {
    float[] s = sd.clone();
    java.util.Arrays.sort(s);
    int first = 0;
    while (first < s.length && s[first] <= 1e-6f) first++;
    int n = s.length - first;
    return n == 0 ? "-" : String.format(Locale.ROOT, "%.3g to %.3g", s[first + n / 10], s[first + (9 * n) / 10]);
  }
}
