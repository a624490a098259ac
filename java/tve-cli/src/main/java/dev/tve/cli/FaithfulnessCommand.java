package dev.tve.cli;

import dev.tve.evaluate.SceneSetup;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.TveExplainer;
import dev.tve.image.FashionMnist;
import dev.tve.image.SceneBatches;
import dev.tve.io.AtomicFiles;
import dev.tve.metric.BlurCalibration;
import dev.tve.metric.FaithfulnessCheck;
import dev.tve.model.Head;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve faithfulness}: the internal check of TVE maps on Fashion-MNIST scenes against the
 * random and patch-intensity floors: deletion (black and normalised-zero canvases), insertion from
 * a blurred canvas (its sigma measured first: the smallest at which the head is near chance), and
 * the pointing game, with paired 95 % bootstrap intervals, on held-out-class scenes and the others.
 */
@Command(name = "faithfulness", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Check TVE maps against random and patch-intensity maps on labelled scenes (deletion, insertion, pointing game).",
        "Writes rows.jsonl (per scene), summary.json and summary.md to --out."})
public final class FaithfulnessCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer).") Path explainer;
  @Option(names = "--head", defaultValue = "ten-class", description = "Head (default: ${DEFAULT-VALUE}).") String headName;
  @Option(names = "--split", defaultValue = "test", description = "test | validation (the encoder's validation items of the train split; use it to choose parameters).")
  String split;
  @Option(names = "--scenes", defaultValue = "400", description = "Scenes of the classes the explainer saw (default: ${DEFAULT-VALUE}).") int others;
  @Option(names = "--held-out-scenes", defaultValue = "120", description = "Scenes of the classes left out of its pre-training (default: ${DEFAULT-VALUE}).")
  int heldOutScenes;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene generator seed (default: ${DEFAULT-VALUE}).") long sceneSeed;
  @Option(names = "--blur-sigma", defaultValue = "auto", description = "Insertion canvas blur in pixels, or auto: the smallest of 1,2,3,4,6,8,12,16 "
      + "at which the head's accuracy on --calibration-scenes blurred validation scenes is within 5 points of chance.") String blurSigma;
  @Option(names = "--calibration-scenes", defaultValue = "500", description = "Validation scenes for the blur calibration (default: ${DEFAULT-VALUE}).")
  int calibrationScenes;
  @Option(names = "--lambda-minus", description = "Override the explainer card's lambda-.") Double lambdaMinus;
  @Option(names = "--maps", split = ",", defaultValue = "tve,random,intensity",
      description = "tve, tve-raw, random, intensity; classic explainers at their default budgets: occlusion (P + 1 forwards per image), "
          + "rise (4000), kernel-shap (2P + 2050); saliency (1 forward and backward), integrated-gradients (50, black baseline).")
  List<String> maps;
  @Option(names = "--seed", defaultValue = "7", description = "Random map and bootstrap seed (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", defaultValue = "tve-faithfulness", description = "Output folder (default: ${DEFAULT-VALUE}).") Path out;

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    Path modelDir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : ExplainCommand.home().resolve("zoo/explainer");
    TargetModel target = TargetModel.load(modelDir);
    ModelCard card = target.card();
    ExplainerFiles.Loaded loaded = ExplainerFiles.load(explainerDir, card.weightsSha256());
    Head head = target.head(headName);
    TveExplainer.Builder tb = TveExplainer.builder(target, loaded.network(), loaded.card());
    double lambdaNeg = lambdaMinus != null ? lambdaMinus : loaded.card().lambdaNeg();
    tb.optLambdas((float) loaded.card().lambdaPos(), (float) lambdaNeg);
    TveExplainer tve = tb.build();

    SceneSetup loadedScenes = SceneSetup.load(data, card, split, sceneSeed);
    float mean = loadedScenes.mean(), std = loadedScenes.std();
    SceneBatches scenes = loadedScenes.scenes();
    Set<Integer> heldOut = new LinkedHashSet<>();
    for (String c : loaded.card().excludedClasses()) heldOut.add(FashionMnist.CLASSES.indexOf(c));
    List<String> names = FashionMnist.CLASSES;
    java.util.function.IntUnaryOperator labelToHead = label -> head.classNames().indexOf(names.get(label));

    Map<String, Object> calibration = new LinkedHashMap<>();
    double sigma;
    if (blurSigma.equals("auto") && !names.containsAll(head.classNames())) {
      throw new IllegalArgumentException("--blur-sigma auto needs a head over scene classes; head " + headName + " has " + head.classNames()
          + ": give --blur-sigma (e.g. the sigma auto chooses for ten-class)");
    }
    if (blurSigma.equals("auto")) {
      // Calibrated on validation scenes of the head's classes, never on the scenes scored.
      int n = calibrationScenes;
      BlurCalibration.Result r = loadedScenes.calibrateBlur(target.encoder(), head, n, calibration);
      sigma = r.chosen();
      calibration.put("chance", r.chance());
      calibration.put("scenes", n);
      System.err.printf("blur calibration (accuracy on %d validation scenes, chance %.3f): %s -> sigma %s%n", n, r.chance(), calibration, sigma);
    } else {
      sigma = Double.parseDouble(blurSigma);
    }

    long[] chosen = FaithfulnessCheck.select(scenes.generator(), head, heldOut, others, heldOutScenes, 0, 100L * (others + heldOutScenes));
    FaithfulnessCheck.Builder cb = FaithfulnessCheck.builder(tve, head, scenes).optHeldOutClasses(heldOut).optBlurSigma(sigma).optSeed(seed);
    List<String> own = new java.util.ArrayList<>();
    Map<String, dev.tve.explain.Explainer> classic = new LinkedHashMap<>();
    dev.tve.explain.MethodContext ctx = new dev.tve.explain.MethodContext(target, loaded, null,
        dev.tve.explain.MethodSettings.builder().optSeed(seed).build());
    for (String m : maps) {
      // Classic explainers from the registry at their default budgets, each counting its own passes.
      if (List.of("tve", "tve-raw", "random", "intensity").contains(m)) {
        own.add(m);
      } else {
        dev.tve.explain.Explainer e = dev.tve.explain.Methods.create(m, ctx);
        cb.optExplainer(e);
        classic.put(m, e);
      }
    }
    FaithfulnessCheck check = cb.optMaps(own).build();
    ProgressBar bar = new ProgressBar("faithfulness");
    long t0 = System.nanoTime();
    List<FaithfulnessCheck.Row> rows = check.run(chosen, done -> bar.update(done, chosen.length,
        String.format("%d/%d scenes, %.1f scenes/s", done, chosen.length, done / ((System.nanoTime() - t0) / 1e9))));
    bar.done();
    double seconds = (System.nanoTime() - t0) / 1e9;
    FaithfulnessCheck.Summary summary = FaithfulnessCheck.summarise(rows, labelToHead, seed);

    Files.createDirectories(out);
    StringBuilder lines = new StringBuilder();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (FaithfulnessCheck.Row r : rows) lines.append(json.writeValueAsString(r)).append('\n');
    AtomicFiles.write(out.resolve("rows.jsonl"), lines.toString().getBytes(StandardCharsets.UTF_8));
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("model", modelDir.toString());
    setup.put("modelWeightsSha256", card.weightsSha256());
    setup.put("explainerWeightsSha256", loaded.card().weightsSha256());
    setup.put("head", headName);
    setup.put("split", split);
    setup.put("sceneSeed", sceneSeed);
    setup.put("heldOutClasses", loaded.card().excludedClasses());
    setup.put("lambdaPos", loaded.card().lambdaPos());
    setup.put("lambdaNeg", lambdaNeg);
    setup.put("blurSigma", sigma);
    setup.put("blurCalibration", calibration);
    setup.put("maps", maps);
    setup.put("seed", seed);
    setup.put("bootstrapResamples", dev.tve.metric.PairedDifference.RESAMPLES);
    setup.put("forwardPasses", check.forwardPasses());
    Map<String, Object> cost = new LinkedHashMap<>();
    classic.forEach((m, e) -> cost.put(m, Map.of("passesPerImage", (double) e.forwardPasses() / rows.size(),
        "secondsPerImage", check.explainerSeconds().getOrDefault(m, 0.0) / rows.size())));
    setup.put("classicExplainerCost", cost);
    setup.put("seconds", seconds);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("setup", setup);
    doc.put("summary", summary);
    AtomicFiles.writeJson(out.resolve("summary.json"), doc);
    String md = String.format("# TVE faithfulness check%n%n`tve faithfulness` on the %s split, head %s, lambda+ %s, lambda- %s, insertion blur sigma %s px; "
        + "targets: the head's predicted class; paired differences: bootstrap 95 %% CI (%d resamples, seed %d).%n%n",
        split, headName, loaded.card().lambdaPos(), lambdaNeg, sigma, dev.tve.metric.PairedDifference.RESAMPLES, seed) + summary.markdown();
    AtomicFiles.write(out.resolve("summary.md"), md.getBytes(StandardCharsets.UTF_8));
    System.out.print(md);
    System.out.printf("%d scenes in %.0f s (%d forward passes); wrote %s%n", rows.size(), seconds, check.forwardPasses(), out);
    return 0;
  }
}
