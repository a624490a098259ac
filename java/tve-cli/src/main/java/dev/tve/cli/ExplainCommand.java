package dev.tve.cli;

import dev.tve.batch.ExplainRun;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
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
    description = {"Explain images with the TVE explainer (default: the shipped zoo on samples/).",
        "Writes per image NAME.overlay.png and NAME.raw.npy [targets, g, g], and manifest.jsonl and montage.png.",
        "A run started again with the same --out skips the images already done."})
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
  @Option(names = "--verify", defaultValue = "0", description = "Self-check: N random centres per image through the real encoder; "
      + "the manifest gets the mean cosine of E+/E- against them and whether it passes the explainer's validation 5th percentile.")
  int verify;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  /** The model's input preprocessing from its card: square size, channels, one mean and std for all channels. */
  static Preprocessing preprocessing(ModelCard card) {
    int size = card.architecture().imageSize(), channels = card.architecture().channels();
    float mean = ((Number) card.preprocessing().get("mean")).floatValue(), std = ((Number) card.preprocessing().get("std")).floatValue();
    float[] means = new float[channels], stds = new float[channels];
    java.util.Arrays.fill(means, mean);
    java.util.Arrays.fill(stds, std);
    return Preprocessing.builder(size, size, channels).optMean(means).optStd(stds).build();
  }

  static java.util.Map<String, Object> provenance(ModelCard model, dev.tve.explain.ExplainerCard explainer) {
    java.util.Map<String, Object> p = new java.util.LinkedHashMap<>();
    p.put("modelWeightsSha256", model.weightsSha256());
    p.put("explainerWeightsSha256", explainer.weightsSha256());
    p.put("explainerSeed", explainer.training().get("seed"));
    p.put("verifySeed", "per batch: hash of its first file's path");
    p.put("version", TveCommand.class.getAnnotation(picocli.CommandLine.Command.class).version()[0]);
    return p;
  }

  /** Where the shipped zoo and samples are: the launcher sets tve.home to the repository root. */
  static Path home() {
    String h = System.getProperty("tve.home");
    return Path.of(h == null || h.isBlank() ? "." : h);
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
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    TargetModel target0 = TargetModel.load(modelDir);
    ModelCard card = target0.card();
    ExplainerFiles.Loaded loaded = ExplainerFiles.load(explainerDir, card.weightsSha256());
    List<Head> chosen = new ArrayList<>();
    if (heads == null || heads.isEmpty()) {
      chosen.add(target0.heads().containsKey("ten-class") ? target0.head("ten-class") : target0.heads().values().iterator().next());
    } else {
      for (String h : heads) chosen.add(target0.head(h));
    }
    TargetSpec spec = TargetSpec.parse(target);
    for (Head h : chosen) spec.check(h.classes(), h.name());
    Preprocessing pre = preprocessing(card);
    TveExplainer tve = TveExplainer.builder(target0, loaded.network(), loaded.card()).build();
    List<Path> inputs = paths != null && !paths.isEmpty() ? paths : List.of(home().resolve("samples"));
    ProgressBar bar = new ProgressBar("explain");
    ExplainRun.Summary s = ExplainRun.builder(tve, pre, chosen, out).optTarget(spec).optBatchSize(batch)
        .optProgress(p -> bar.update(p.done() + p.skipped() + p.failed(), p.done() + p.skipped() + p.failed(),
            String.format("%d explained, %d skipped, %d failed, %.1f img/s", p.done(), p.skipped(), p.failed(), p.imagesPerSecond())))
        .optFailure(e -> System.err.println("tve explain: skipped " + e.getMessage()))
        .optVerify(verify, loaded.card().radius(), loaded.card().heldOut().getOrDefault("validation.imageCosineP05", Double.NaN))
        .optProvenance(provenance(card, loaded.card()))
        .build().run(inputs);
    bar.done();
    System.out.printf("explained %d images (%d already done, %d failed) in %.1f s; wrote %s%s%n", s.explained(), s.skipped(), s.failed(),
        s.seconds(), s.manifest(), s.montage() != null ? " and " + s.montage() : "");
    return s.failed() > 0 ? 1 : 0;
  }
}
