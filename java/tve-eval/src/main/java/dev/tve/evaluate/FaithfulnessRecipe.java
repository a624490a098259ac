package dev.tve.evaluate;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The internal faithfulness check recipe ({@code tve faithfulness}): TVE's maps (and any registry
 * method's) against the random and patch-intensity floors on Fashion-MNIST scenes: deletion (black
 * and normalised-zero canvases), insertion from a blurred canvas (its sigma measured first: the
 * smallest at which the head is near chance), the pointing game, paired 95 % bootstrap intervals,
 * on held-out-class scenes and the others. Writes rows.jsonl, summary.json and summary.md. Prints
 * nothing: progress and notes go to the listener.
 *
 * <pre>{@code
 * FaithfulnessRecipe.Result r = FaithfulnessRecipe.builder(modelDir, explainerDir, out).build().run(listener);
 * }</pre>
 */
public final class FaithfulnessRecipe {
  /**
   * What a run wrote.
   *
   * @param markdown the report (also out/summary.md)
   * @param scenes scenes scored
   * @param seconds wall time
   * @param forwardPasses images the model scored for the curves
   * @param out the results folder
   */
  public record Result(String markdown, int scenes, double seconds, long forwardPasses, Path out) {}

  private final Path modelDir, explainerDir, out, data;
  private final String headName, split, blurSigma;
  private final int others, heldOutScenes, calibrationScenes;
  private final long sceneSeed, seed;
  private final Double lambdaMinus;
  private final List<String> maps;

  private FaithfulnessRecipe(Builder b) {
    modelDir = b.modelDir;
    explainerDir = b.explainerDir;
    out = b.out;
    data = b.data;
    headName = b.head;
    split = b.split;
    blurSigma = b.blurSigma;
    others = b.others;
    heldOutScenes = b.heldOutScenes;
    calibrationScenes = b.calibrationScenes;
    sceneSeed = b.sceneSeed;
    seed = b.seed;
    lambdaMinus = b.lambdaMinus;
    maps = b.maps;
  }

  /**
   * @param modelDir the model folder
   * @param explainerDir its explainer folder
   * @param out the results folder
   * @return a builder with tve faithfulness's defaults
   */
  public static Builder builder(Path modelDir, Path explainerDir, Path out) {
    return new Builder(modelDir, explainerDir, out);
  }

  /**
   * Scores the scenes and writes the report.
   *
   * @param listener progress and notes
   * @return what was written
   * @throws Exception when data or outputs cannot be read or written
   */
  public Result run(EvaluationRecipe.Listener listener) throws Exception {
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
      listener.note(String.format("blur calibration (accuracy on %d validation scenes, chance %.3f): %s -> sigma %s", n, r.chance(), calibration, sigma));
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
    long t0 = System.nanoTime();
    List<FaithfulnessCheck.Row> rows = check.run(chosen, done -> listener.progress("faithfulness", done, chosen.length,
        String.format("%d/%d scenes, %.1f scenes/s", done, chosen.length, done / ((System.nanoTime() - t0) / 1e9))));
    listener.done("faithfulness");
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
    return new Result(md, rows.size(), seconds, check.forwardPasses(), out);
  }

  /** Builder of {@link FaithfulnessRecipe}; defaults are {@code tve faithfulness}'s. */
  public static final class Builder {
    private final Path modelDir, explainerDir, out;
    private Path data;
    private String head = "ten-class", split = "test", blurSigma = "auto";
    private int others = 400, heldOutScenes = 120, calibrationScenes = 500;
    private long sceneSeed = 5, seed = 7;
    private Double lambdaMinus;
    private List<String> maps = List.of("tve", "random", "intensity");

    private Builder(Path modelDir, Path explainerDir, Path out) {
      this.modelDir = modelDir;
      this.explainerDir = explainerDir;
      this.out = out;
    }

    /** @param v the head (default ten-class) @return this */
    public Builder optHead(String v) { head = v; return this; }
    /** @param v test or validation (default test) @return this */
    public Builder optSplit(String v) { split = v; return this; }
    /** @param v scenes of the classes the explainer saw (default 400) @return this */
    public Builder optScenes(int v) { others = v; return this; }
    /** @param v scenes of the classes left out of its pre-training (default 120) @return this */
    public Builder optHeldOutScenes(int v) { heldOutScenes = v; return this; }
    /** @param v scene seed (default 5) @return this */
    public Builder optSceneSeed(long v) { sceneSeed = v; return this; }
    /** @param v insertion blur sigma in pixels, or "auto" (default) @return this */
    public Builder optBlurSigma(String v) { blurSigma = v; return this; }
    /** @param v validation scenes for the blur calibration (default 500) @return this */
    public Builder optCalibrationScenes(int v) { calibrationScenes = v; return this; }
    /** @param v lambda- instead of the card's, or null @return this */
    public Builder optLambdaMinus(Double v) { lambdaMinus = v; return this; }
    /** @param v maps: tve, tve-raw, random, intensity, or any registry method (default tve, random, intensity) @return this */
    public Builder optMaps(List<String> v) { maps = List.copyOf(v); return this; }
    /** @param v random map and bootstrap seed (default 7) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v the Fashion-MNIST folder (default: the package's) @return this */
    public Builder optData(Path v) { data = v; return this; }

    /** @return the recipe */
    public FaithfulnessRecipe build() { return new FaithfulnessRecipe(this); }
  }
}
