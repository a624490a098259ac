package dev.tve.cli;

import dev.tve.api.Tve;
import dev.tve.evaluate.VerifyBenchmark;
import dev.tve.image.FashionMnist;
import dev.tve.runtime.ThreadPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve verify-score}: how well --verify's flags separate inputs the model never saw from its test scenes. */
@Command(name = "verify-score", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Score --verify on a built-in scene model: AUROC of each flag's score against in-distribution test scenes, for photo crops, "
        + "items filling the frame, drawn shapes and text, and noise, all in the model's input format; and how often each flag fires "
        + "at its calibrated threshold (also on the scene variants). Markdown on stdout."})
public final class VerifyScoreCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer).") Path explainer;
  @Option(names = "--scenes", defaultValue = "1000", description = "In-distribution test scenes (default: ${DEFAULT-VALUE}; other sets a quarter).")
  int scenes;
  @Option(names = "--photos", description = "Photos to crop (default: samples/photos).") Path photos;
  @Option(names = "--centres", description = "Centres per image of the fit check (default: the count the explainer was calibrated with, "
      + "the only one its threshold holds at).") Integer centres;
  @Option(names = "--seed", defaultValue = "7") long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--out", description = "Also write the table to this file.") Path out;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  @Override
  public Integer call() throws Exception {
    Path modelDir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : ExplainCommand.home().resolve("zoo/explainer");
    try (Tve tve = Tve.builder().optModel(modelDir).optExplainer(explainerDir).optTorchThreads(threads != null ? threads : 0).build()) {
      if (threads == null) ThreadPolicy.apply();
      dev.tve.explain.Verifier v = tve.verifier(centres != null ? centres : tve.verifyCentres());
      if (!v.calibrated()) {
        System.err.println("tve verify-score: " + modelDir + " or " + explainerDir + " has no calibration; run tve calibrate first");
        return 2;
      }
      long t0 = System.nanoTime();
      List<VerifyBenchmark.Row> rows = VerifyBenchmark.builder(tve.model(), v, data != null ? data : FashionMnist.locate())
          .optPhotos(photos != null ? photos : ExplainCommand.home().resolve("samples/photos")).optScenes(scenes).optSeed(seed).build().run();
      StringBuilder md = new StringBuilder();
      com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
      double fitShare = json.readTree(explainerDir.resolve(dev.tve.explain.FitCalibration.FILE).toFile()).path("flaggedFraction").asDouble(Double.NaN);
      double distanceShare = json.readTree(modelDir.resolve(dev.tve.model.InDistribution.CARD).toFile()).path("flaggedFraction").asDouble(Double.NaN);
      md.append(String.format("--verify on %s with %s: %d fit-check centres per image; thresholds fit error %.4g, distance %.4g (set to flag %.1f %% "
          + "and %.1f %% of their held-out calibration scenes).%n%n", modelDir, explainerDir, v.centres(), v.fitThreshold(), v.distanceThreshold(),
          100 * fitShare, 100 * distanceShare));
      md.append("| image set | n | AUROC fitError ↑ | AUROC distance ↑ | AUROC either ↑ | explainerFit false | inDistribution false | either false |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (VerifyBenchmark.Row r : rows) {
        md.append(String.format("| %s%s | %d | %s | %s | %s | %.1f %% | %.1f %% | %.1f %% |%n", r.set(), r.inDistribution() ? "" : " (OOD)", r.n(),
            f(r.aurocFit()), f(r.aurocDistance()), f(r.aurocEither()), 100 * r.notFit(), 100 * r.notInDistribution(), 100 * r.either()));
      }
      md.append(String.format("%nAUROC: each OOD set against the clean test scenes (1 separates perfectly, 0.5 is chance); for the scene variants it "
          + "measures how far they drift from clean (near 0.5 is good). Rates: fraction flagged at the calibrated thresholds. %.0f s.%n",
          (System.nanoTime() - t0) / 1e9));
      System.out.print(md);
      if (out != null) dev.tve.io.AtomicFiles.write(out, md.toString().getBytes(StandardCharsets.UTF_8));
      return 0;
    }
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "" : String.format("%.3f", v);
  }
}
