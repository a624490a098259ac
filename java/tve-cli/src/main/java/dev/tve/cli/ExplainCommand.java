package dev.tve.cli;

import dev.tve.api.ExplainOptions;
import dev.tve.api.Tve;
import dev.tve.batch.ExplainRun;
import dev.tve.explain.Explainer;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.explain.TargetSpec;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.runtime.Settings;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tve explain}: TVE heatmaps for images and folders. With nothing named it explains the
 * shipped samples with the shipped zoo.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Explain images with TVE or any classic method (default: TVE, the shipped zoo, samples/).",
        "Writes per image NAME.maps.npy [targets, g, g] and NAME.overlay.png, and manifest.jsonl and montage.png.",
        "A run started again with the same --out and the same settings skips the images already done and retries the failed ones;",
        "other settings are refused (exit 2) unless --recompute."})
public final class ExplainCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", paramLabel = "PATH", description = "Images or folders (default: samples/).")
  List<Path> paths;
  @Option(names = "--model", description = "Model folder: encoder and heads (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer).") Path explainer;
  @Option(names = "--head", split = ",", description = "Head name(s) (default: ten-class, else the model's first).") List<String> heads;
  @Option(names = "--target", defaultValue = "pred", description = "pred | K | topk:N | all | K:J (class K against J). Default: ${DEFAULT-VALUE}.")
  String target;
  @Option(names = "--out", defaultValue = "tve-out", description = "Output folder (default: ${DEFAULT-VALUE}).") Path out;
  @Option(names = "--batch", defaultValue = "32", description = "Images per explainer pass.") int batch;
  @Option(names = "--verify", arity = "0..1", parameterConsumer = OptionalCount.class, defaultValue = "0", fallbackValue = "-1", paramLabel = "N", description = "Self-check: the manifest "
      + "gets verify.explainerFit (E+/E- at N random centres per image against the encoder's real masked embeddings, within the explainer's "
      + "calibrated fit threshold) and verify.inDistribution (the embedding's distance to the model's training data within its calibrated "
      + "threshold), each calibrated to flag a set share of validation images (the zoo: 5 %%), with the scores behind them. --verify alone: "
      + "N is the count the explainer was calibrated with (the zoo's: 4), the only count its threshold holds at.")
  int verify;

  /** The verifier --verify asks for (null without it); says on stderr which flag cannot be given. */
  private dev.tve.explain.Verifier verifier(Tve tve, String command) {
    if (verify == 0) return null;
    dev.tve.explain.Verifier v = tve.verifier(verify == -1 ? tve.verifyCentres() : verify);
    warnUncalibrated(v, command);
    return v;
  }

  /** Says on stderr which --verify flag an uncalibrated model or explainer cannot give (its score is still written). */
  static void warnUncalibrated(dev.tve.explain.Verifier v, String command) {
    if (v.centres() > 0 && Double.isNaN(v.fitThreshold())) {
      System.err.println(command + ": --verify: the explainer has no fit calibration (fit-calibration.json): no explainerFit flag, fitError "
          + "only; calibrate with tve calibrate");
    }
    if (Double.isNaN(v.distanceThreshold())) {
      System.err.println(command + ": --verify: the model has no in-distribution calibration (in-distribution.json): no inDistribution "
          + "flag; calibrate with tve calibrate");
    }
  }
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--outputs", defaultValue = "both", description = "What is written per image: maps, overlays or both (default: ${DEFAULT-VALUE}).")
  dev.tve.batch.FileSink.Outputs outputs;
  @Option(names = "--montage", defaultValue = "32", description = "Images in montage.png at most, first by path; this run's only (default: ${DEFAULT-VALUE}; 0: none).")
  int montage;
  @Option(names = "--scale", defaultValue = "shared", paramLabel = "shared|per-target", description = "Overlay colours: one scale for all of "
      + "an image's targets, with a colour bar (default), or one per target (each caption gives its own).") String scale;
  @Option(names = "--overlay-image", defaultValue = "original", paramLabel = "original|model", description = "Overlays on the original image "
      + "(long side at most 1024 px, short side at least 224; the maps over the region the model saw) or on what the model saw (default: ${DEFAULT-VALUE}).")
  String overlayImage;
  @Option(names = "--recompute", description = "When --out holds a run with other settings, start it afresh (its manifest is replaced; "
      + "only this command's own outputs are overwritten).")
  boolean recompute;
  /** Each explained head's weights hash, for the manifest's provenance (a head not loaded from files has none). */
  static java.util.Map<String, String> headHashes(Tve tve, List<Head> heads) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (Head h : heads) if (tve.model().headSha256(h.name()) != null) m.put(h.name(), tve.model().headSha256(h.name()));
    return m;
  }

  @Option(names = "--into-existing", description = "Write into an --out that holds files tve did not write (refused otherwise); they are never "
      + "touched.")
  boolean intoExisting;
  @Option(names = "--decode-threads", defaultValue = "1", description = "Threads decoding images while the networks run (default: ${DEFAULT-VALUE}).")
  int decodeThreads;

  @Option(names = "--method", defaultValue = "tve", description = "Attribution method (default: ${DEFAULT-VALUE}): tve, tve-display, saliency, "
      + "integrated-gradients, integrated-gradients-blur, grad-cam, occlusion, rise, kernel-shap, random, intensity.") String method;
  @Option(names = "--output", defaultValue = "logit", description = "The model output explained: logit (default) or probability; "
      + "recorded in the manifest.") ExplainedOutput output;
  @Option(names = "--seed", defaultValue = "7", description = "Seed of the methods' random draws (RISE masks, KernelSHAP coalitions; default 7).")
  long seed;

  private static String choice(String v, String option, String... allowed) {
    for (String a : allowed) if (a.equalsIgnoreCase(v.strip())) return a;
    throw new IllegalArgumentException(option + " " + v + ": " + String.join(" or ", allowed));
  }

  /** Where the shipped zoo and samples are: the launcher sets tve.home to the repository root. */
  static Path home() {
    String h = Settings.string("tve.home");
    return Path.of(h == null ? "." : h);
  }

  @Override
  public Integer call() throws Exception {
    Path modelDir = model != null ? model : home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : home().resolve("zoo/explainer");
    if (model == null && !Files.isDirectory(modelDir)) {
      System.err.println("tve explain: no zoo at " + modelDir + " (rebuild it with tve zoo build, or name a model and an explainer "
          + "with --model and --explainer); nothing was written.");
      return 2;
    }
    Methods.check(List.of(method));
    if (verify < -1) throw new IllegalArgumentException("--verify " + verify + ": N > 0 centres per image, or --verify alone");
    if (verify != 0 && !Methods.needsExplainer(method)) throw new IllegalArgumentException("--verify checks TVE's explainer; it needs --method tve");
    // A classic method needs no explainer: open one only when it is named, TVE asks for it, or it is the zoo's beside the zoo's model.
    boolean withExplainer = explainer != null || Methods.needsExplainer(method) || (model == null && Files.isDirectory(explainerDir));
    try (Tve tve = Tve.builder().optModel(modelDir).optExplainer(withExplainer ? explainerDir : null).optTorchThreads(threads != null ? threads : 0)
        .build()) {
      if (threads == null) ThreadPolicy.apply();
      ExplainOptions options = ExplainOptions.builder().optMethod(method).optHeads(heads == null ? List.of() : heads).optTarget(target)
          .optSettings(MethodSettings.builder().optOutput(output).optSeed(seed).build()).optBatchSize(batch).build();
      Explainer e = tve.explainer(options);
      List<Head> chosen = new ArrayList<>();
      if (heads == null || heads.isEmpty()) chosen.add(tve.defaultHead());
      else for (String h : heads) chosen.add(tve.model().head(h));
      TargetSpec spec = options.target();
      spec.checkAll(chosen);
      dev.tve.explain.ExplainerCard ec = tve.explainer() == null ? null : tve.explainer().card();
      List<Path> inputs = paths != null && !paths.isEmpty() ? paths : List.of(home().resolve("samples"));
      ProgressBar bar = new ProgressBar("explain");
      ExplainRun.Summary s = ExplainRun.builder(e, tve.preprocessing(), chosen, out).optTarget(spec).optBatchSize(batch)
          .optOutputs(outputs).optMontageTiles(montage).optSharedScale(choice(scale, "--scale", "shared", "per-target").equals("shared"))
          .optPictures(choice(overlayImage, "--overlay-image", "original", "model").equals("original") ? dev.tve.batch.BatchPipeline.Pictures.ORIGINAL
              : dev.tve.batch.BatchPipeline.Pictures.MODEL).optRecompute(recompute).optIntoExisting(intoExisting).optDecodeThreads(decodeThreads)
          .optProgress(p -> bar.update(p.done() + p.skipped() + p.failed(), p.done() + p.skipped() + p.failed(),
              String.format("%d done, %d skipped, %d failed, %.1f img/s", p.done(), p.skipped(), p.failed(), p.imagesPerSecond())))
          .optFailure(f -> {
            bar.clear();
            System.err.println("tve explain: failed " + dev.tve.batch.OutputSchema.printable(f.key()) + ": " + dev.tve.batch.OutputSchema.printable(f.reason()));
          })
          .optVerify(verifier(tve, "tve explain"))
          .optProvenance(dev.tve.batch.OutputSchema.provenance(tve.model().card(), headHashes(tve, chosen), ec))
          .build().run(inputs);
      bar.done();
      System.out.printf("done %d images, skipped %d (done before), failed %d, in %.1f s; wrote %s%s%n", s.explained(), s.skipped(), s.failed(),
          s.seconds(), s.manifest(), s.montage() != null ? " and " + s.montage() : "");
      return s.failed() > 0 ? 1 : 0;
    }
  }
}
