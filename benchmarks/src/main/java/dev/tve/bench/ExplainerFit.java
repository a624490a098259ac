package dev.tve.bench;

import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.Verification;
import dev.tve.image.FolderImages;
import dev.tve.image.ImageDecoder;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.Locale;

/**
 * An explainer's held-out fit on a folder of images, pooled and within-image R^2 (the latter: each
 * image's mean over its centres taken out), 4 seeded centres per image. For explainers whose card
 * predates the within-image figure, or for other image sets.
 *
 * <pre>
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" dev.tve.bench.ExplainerFit \
 *     MODEL_DIR EXPLAINER_DIR IMAGES_DIR FIRST N
 * </pre>
 */
public final class ExplainerFit {
  private ExplainerFit() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: ExplainerFit MODEL_DIR EXPLAINER_DIR IMAGES_DIR FIRST N");
      System.exit(2);
    }
    ThreadPolicy.apply();
    try (TargetModel m = TargetModel.load(Path.of(args[0])); ExplainerFiles.Loaded ex = ExplainerFiles.load(Path.of(args[1]), m.card().weightsSha256())) {
      FolderImages images = FolderImages.open(Path.of(args[2]), ImageDecoder.create(), m.input().preprocessing(), e -> {
        throw new IllegalArgumentException(e.getMessage());
      });
      long first = Long.parseLong(args[3]);
      int n = Integer.parseInt(args[4]);
      Verification.Report r = Verification.measure(ex.network(), m.encoder(), images, first, n, 4, ex.card().radius(), 101);
      System.out.printf(Locale.ROOT, "%s on %d images of %s from %d: R^2 keep %.3f, remove %.3f; within-image R^2 keep %.3f, remove %.3f%n",
          args[1], n, args[2], first, r.r2Keep(), r.r2Remove(), r.r2WithinKeep(), r.r2WithinRemove());
    }
  }
}
