package dev.tve.cli;

import dev.tve.explain.ExplainerFiles;
import dev.tve.image.FashionMnist;
import dev.tve.image.FolderImages;
import dev.tve.image.ImageDecoder;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.pretrain.VerifyCalibration;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve calibrate}: the --verify thresholds of a model and its explainer. */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Calibrate --verify: fit the model's in-distribution density (embeddings grouped by a head's predictions) and set it and "
        + "the explainer's fit threshold to flag a fraction of held-out in-distribution images.",
        "Writes in-distribution.json and .npy into the model folder, fit-calibration.json into the explainer folder."})
public final class CalibrateCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer with the zoo's model; none otherwise).") Path explainer;
  @Option(names = "--images", description = "In-distribution images (a folder, sorted; the last --held-out are the held-out ones). "
      + "Default for a built-in scene model: Fashion-MNIST scenes drawn as its encoder was trained.") Path images;
  @Option(names = "--head", description = "Head whose predictions group the fit (default: the model's first).") String head;
  @Option(names = "--fit", defaultValue = "10000", description = "Images for the density's fit (default: ${DEFAULT-VALUE}).") int fit;
  @Option(names = "--held-out", defaultValue = "2000", description = "Held-out images for the thresholds (default: ${DEFAULT-VALUE}).") int heldOut;
  @Option(names = "--flag", defaultValue = "0.05", description = "Fraction of held-out images each flag marks (default: ${DEFAULT-VALUE}).") double flag;
  @Option(names = "--centres", defaultValue = "4", description = "Centres per image of the fit measurement (default: ${DEFAULT-VALUE}).") int centres;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    Path modelDir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : model == null ? ExplainCommand.home().resolve("zoo/explainer") : null;
    VerifyCalibration cal = VerifyCalibration.builder().optFlagged(flag).optCentres(centres).build();
    try (TargetModel m = TargetModel.load(modelDir);
         ExplainerFiles.Loaded x = explainerDir == null ? null : ExplainerFiles.load(explainerDir, m.card() == null ? null : m.card().weightsSha256())) {
      Head h = head != null ? m.head(head) : m.heads().values().iterator().next();
      int[] leftOut = {0};
      VerifyCalibration.Result r;
      if (images == null) {
        if (!(m.encoder() instanceof dev.tve.model.EncoderModule)) throw new IllegalArgumentException(modelDir + ": not a built-in scene model; give --images DIR");
        r = cal.scenes(m, modelDir, h, x, explainerDir, data != null ? data : FashionMnist.locate(), fit, heldOut);
      } else {
        // Unusable files are left out before the split: read as zeros they would count as images.
        FolderImages all = FolderImages.open(images, ImageDecoder.create(), m.input().preprocessing(), e -> {
          leftOut[0]++;
          System.err.println("tve calibrate: left out " + dev.tve.batch.OutputSchema.printable(e.getMessage()));
        }).usableOnly();
        long n = all.count();
        if (n < heldOut + m.encoder().dim() + 1) throw new IllegalArgumentException(images + ": " + n + " images; need more than --held-out + D (" + (heldOut + m.encoder().dim()) + ")");
        int f = (int) Math.min(fit, n - heldOut);
        r = cal.run(m, modelDir, h, x, explainerDir, all.range(0, f), f, all.range(n - heldOut, heldOut), heldOut, "images of " + images,
            "held-out images of " + images + " (the last in sorted order)");
      }
      System.out.printf("in-distribution: threshold %.4g (squared Mahalanobis distance; flags %.0f %% of the held-out images); wrote %s%n",
          r.density().threshold(), 100 * flag, modelDir.resolve(dev.tve.model.InDistribution.CARD));
      if (r.fit() != null) {
        System.out.printf("explainer fit: threshold %.4g (mean squared error of E+/E-, %d centres); wrote %s%n", r.fit().threshold(), centres,
            explainerDir.resolve(dev.tve.explain.FitCalibration.FILE));
      }
      if (leftOut[0] > 0) {
        System.err.println("tve calibrate: calibrated on the usable images; " + leftOut[0] + " file(s) left out (above)");
        return 1;
      }
      return 0;
    }
  }
}
