package dev.tve.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.Methods;
import dev.tve.image.FashionMnist;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.io.AtomicFiles;
import dev.tve.metric.BlurCalibration;
import dev.tve.metric.FaithfulnessCheck;
import dev.tve.model.EncoderModule;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.model.VitEncoder;
import dev.tve.model.Encoder;
import dev.tve.model.TorchScriptEncoder;
import dev.tve.image.ImageSource;
import dev.tve.pretrain.ExplainerTrainer;
import dev.tve.runtime.ThreadPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The explainer comparison recipe ({@code tve evaluate}): every method on the same test scenes and
 * heads, scored for faithfulness, localisation, sanity, agreement and cost; per-image records are
 * appended to the output folder as they finish, a rerun with the same folder and settings continues,
 * and the report (summary.md, summary.json, curve charts, report.html with overlays) is rewritten from
 * all records at the end. Prints nothing: progress and notes go to the {@link Listener}.
 *
 * <pre>{@code
 * String md = EvaluationRecipe.builder(modelDir, explainerDir, out).optN(50).build().run(listener);
 * }</pre>
 */
public final class EvaluationRecipe {
  /** What the recipe reports as it goes. */
  public interface Listener {
    /**
     * @param label what is running
     * @param done units done
     * @param total units in all
     * @param status a short status line
     */
    void progress(String label, long done, long total, String status);

    /** @param label what finished */
    default void done(String label) {}

    /** @param line a result worth showing */
    void note(String line);
  }

  /**
   * What a run wrote.
   *
   * @param markdown the report (also out/summary.md); null for a shard, which writes records only
   * @param images image records in the report (or in the shard)
   * @param sanityRecords sanity records in it
   * @param seconds this run's wall time
   * @param out the results folder
   */
  public record Result(String markdown, int images, int sanityRecords, double seconds, Path out) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path modelDir, explainerDir, out, data, imagesDir, labelsFile, boxesFile;
  private final List<String> methods, heads;
  private final boolean intoExisting;
  private final int n, sanityN, sanitySteps, calibrationScenes, subsets, overlays, shardIndex, shards;
  private final String split, blurSigma;
  private final long sceneSeed, seed;
  private final boolean reportOnly;
  private final ExplainedOutput output;
  private final Path baselinesFrom;

  private EvaluationRecipe(Builder b) {
    modelDir = b.modelDir;
    explainerDir = b.explainerDir;
    out = b.out;
    data = b.data;
    imagesDir = b.imagesDir;
    labelsFile = b.labelsFile;
    boxesFile = b.boxesFile;
    methods = b.methods;
    intoExisting = b.intoExisting;
    heads = b.heads;
    n = b.n;
    sanityN = b.sanityN;
    sanitySteps = b.sanitySteps;
    calibrationScenes = b.calibrationScenes;
    subsets = b.subsets;
    overlays = b.overlays;
    shardIndex = b.shardIndex;
    shards = b.shards;
    split = b.split;
    blurSigma = b.blurSigma;
    sceneSeed = b.sceneSeed;
    seed = b.seed;
    reportOnly = b.reportOnly;
    output = b.output;
    baselinesFrom = b.baselinesFrom;
  }

  /**
   * @param modelDir the model folder
   * @param explainerDir its explainer folder
   * @param out the results folder
   * @return a builder with tve evaluate's defaults
   */
  public static Builder builder(Path modelDir, Path explainerDir, Path out) {
    return new Builder(modelDir, explainerDir, out);
  }

  /**
   * Runs the comparison (or continues it) and writes the report.
   *
   * @param listener progress and notes
   * @return the report and its counts
   * @throws Exception when data or outputs cannot be read or written
   */
  public Result run(Listener listener) throws Exception {
    List<String> chosen = methods;
    Methods.check(chosen);
    if (n < 1) throw new IllegalArgumentException("n must be at least 1");
    if (shards < 1 || shardIndex < 0 || shardIndex >= shards) throw new IllegalArgumentException("shard " + shardIndex + "/" + shards);
    TargetModel target = TargetModel.load(modelDir);
    ModelCard card = target.card();
    if (explainerDir == null && chosen.stream().anyMatch(Methods::needsExplainer)) {
      throw new IllegalArgumentException("tve needs a pre-trained explainer for " + modelDir + ": give --explainer (tve pretrain makes one), "
          + "or leave tve out of --methods");
    }
    ExplainerFiles.Loaded loaded = explainerDir != null ? ExplainerFiles.load(explainerDir, card.weightsSha256()) : null;
    List<String> heads = !this.heads.isEmpty() ? this.heads
        : List.of(target.heads().containsKey("ten-class") ? "ten-class" : target.heads().keySet().iterator().next());
    List<Head> headList = new ArrayList<>();
    for (String h : heads) headList.add(target.head(h));
    // Calibration and sanity sizes follow --n unless given.
    int calibrationN = calibrationScenes > 0 ? calibrationScenes : Math.min(500, Math.max(50, 10 * n));
    int sanityStepsN = sanitySteps > 0 ? sanitySteps : Math.min(100, Math.max(20, 5 * n));

    SceneSetup loadedScenes = null;
    FolderEvalImages folder = null;
    EvalImages images;
    if (imagesDir != null) {
      folder = FolderEvalImages.open(imagesDir, target.input(), labelsFile, boxesFile);
      images = folder;
      listener.note(String.format("%s: %d images, %d labelled, %d with boxes", imagesDir, folder.count(), folder.labelled(), folder.boxed()));
    } else {
      if (labelsFile != null || boxesFile != null) throw new IllegalArgumentException("--labels and --boxes go with --images");
      loadedScenes = SceneSetup.load(data, card, split, sceneSeed);
      images = new SceneImages(loadedScenes.scenes());
    }
    List<String> names = images.classNames();

    // The settings results depend on; a rerun into the same --out must match them (more scenes or heads are fine).
    dev.tve.io.OutputFolder.claim(out, intoExisting, "--into-existing", "setup.json");
    Path setupFile = out.resolve("setup.json");
    Map<String, Object> fixed = new LinkedHashMap<>();
    fixed.put("modelWeightsSha256", card.weightsSha256());
    fixed.put("explainerWeightsSha256", loaded == null ? null : loaded.card().weightsSha256());
    fixed.put("methods", chosen);
    if (folder != null) {
      fixed.put("images", imagesDir.toAbsolutePath().normalize().toString());
      fixed.put("labels", labelsFile == null ? null : labelsFile.toAbsolutePath().normalize().toString());
      fixed.put("boxes", boxesFile == null ? null : boxesFile.toAbsolutePath().normalize().toString());
    } else {
      fixed.put("split", split);
      fixed.put("sceneSeed", sceneSeed);
    }
    fixed.put("subsets", subsets);
    fixed.put("seed", seed);
    fixed.put("sanitySteps", sanityStepsN);
    fixed.put("output", output.name().toLowerCase(java.util.Locale.ROOT));
    Map<String, Object> previous = Files.exists(setupFile) ? JSON.readValue(setupFile.toFile(), Map.class) : null;
    // The output the records explain: results from before the output was an option say so in their setup.json.
    String outputLabel = reportOnly && previous != null && previous.get("output") != null ? previous.get("output").toString()
        : output.name().toLowerCase(java.util.Locale.ROOT);
    if (previous != null) {
      for (Map.Entry<String, Object> e : fixed.entrySet()) {
        // Writing the report from existing records mixes nothing: only the output is read from them.
        if (reportOnly && e.getKey().equals("output")) continue;
        Object was = JSON.readValue(JSON.writeValueAsString(e.getValue()), Object.class);
        if (!java.util.Objects.equals(previous.get(e.getKey()), was)) {
          throw new IllegalArgumentException(out + " holds results made with " + e.getKey() + " = " + previous.get(e.getKey()) + ", not " + was
              + ": use another --out, or the same settings to continue");
        }
      }
    }
    double sigma;
    Map<String, Object> calibration = new LinkedHashMap<>();
    if (previous != null && previous.get("blurSigma") != null && blurSigma.equals("auto")) {
      sigma = ((Number) previous.get("blurSigma")).doubleValue();
      @SuppressWarnings("unchecked") Map<String, Object> c = (Map<String, Object>) previous.getOrDefault("blurCalibration", Map.of());
      calibration.putAll(c);
    } else if (blurSigma.equals("auto")) {
      Head h = headList.get(0);
      BlurCalibration.Result r;
      if (folder != null) {
        r = calibrateOnFolder(target, h, folder, calibrationN, calibration, listener);
      } else {
        if (!names.containsAll(h.classNames())) throw new IllegalArgumentException("--blur-sigma auto calibrates on the first head, " + h.name()
            + ", whose classes are not scene classes: list a scene-class head first or give --blur-sigma");
        r = loadedScenes.calibrateBlur(target.encoder(), h, calibrationN, calibration);
        calibration.put("target", "accuracy on validation scenes");
        calibration.put("scenes", calibrationN);
      }
      sigma = r.chosen();
      calibration.put("head", h.name());
      calibration.put("chance", r.chance());
      listener.note(String.format("blur calibration (%s of %s, chance %.3f): %s -> sigma %s", calibration.get("target"), h.name(), r.chance(),
          calibration, sigma));
    } else {
      sigma = Double.parseDouble(blurSigma);
    }
    if (previous != null && previous.get("blurSigma") != null && ((Number) previous.get("blurSigma")).doubleValue() != sigma) {
      throw new IllegalArgumentException(out + " holds results made with blur sigma " + previous.get("blurSigma") + ", not " + sigma);
    }
    Map<String, Object> setup = new LinkedHashMap<>(fixed);
    setup.put("blurSigma", sigma);
    setup.put("blurCalibration", calibration);
    if (reportOnly && previous != null) setup.put("output", outputLabel);
    AtomicFiles.writeJson(setupFile, setup);

    Evaluation ev = Evaluation.builder(target, loaded, images).optMethods(chosen).optBlurSigma(sigma).optSeed(seed)
        .optSubsets(subsets).optOutput(output).build();
    final int si = shardIndex, sk = shards;
    long t0 = System.nanoTime();
    try (RecordFile<ImageRecord> rows = RecordFile.open(out.resolve("rows.jsonl"), ImageRecord.class);
        RecordFile<SanityRecord> sanity = RecordFile.open(out.resolve("sanity.jsonl"), SanityRecord.class)) {
      Map<String, long[]> selected = new LinkedHashMap<>();
      for (Head h : headList) {
        long[] all = folder != null ? readable(folder, n, listener) : FaithfulnessCheck.select(((SceneImages) images).scenes().generator(), h, Set.of(), n, 0, 0, 200L * n);
        long[] idx = java.util.stream.IntStream.range(0, all.length).filter(i -> i % sk == si).mapToLong(i -> all[i]).toArray();
        selected.put(h.name(), idx);
        Set<String> done = rows.records().stream().map(ImageRecord::key).collect(Collectors.toSet());
        long[] todo = java.util.Arrays.stream(idx).filter(i -> !done.contains(h.name() + "/" + i)).toArray();
        if (todo.length == 0 || reportOnly) continue;
        listener.note(String.format("head %s: %d of %d images to do (%d done)", h.name(), todo.length, idx.length, idx.length - todo.length));
        long s0 = System.nanoTime();
        java.util.function.IntUnaryOperator labelToHead = label -> h.classNames().indexOf(names.get(label));
        ev.run(h, todo, labelToHead, rows::append, k -> listener.progress("evaluate " + h.name(), k, todo.length,
            String.format("%d/%d images, %.1f s/image", k, todo.length, (System.nanoTime() - s0) / 1e9 / k)));
        listener.done("evaluate " + h.name());
      }
      if (sanityN > 0 && !reportOnly) runSanity(ev, target, loaded, headList, selected, rows.records(), sanity, loadedScenes, sanityStepsN, si, sk, listener);
      if (shards > 1) {
        return new Result(null, rows.records().size(), sanity.records().size(), (System.nanoTime() - t0) / 1e9, out);
      }

      double pretrainSeconds = loaded == null ? Double.NaN : loaded.card().trainingSeconds();
      List<ImageRecord> inRun = new ArrayList<>();
      for (Head h : headList) {
        Set<Long> want = java.util.Arrays.stream(selected.get(h.name())).boxed().collect(Collectors.toSet());
        rows.records().stream().filter(r -> r.head().equals(h.name()) && want.contains(r.scene())).forEach(inRun::add);
      }
      // Sanity records of the scenes in this run only (a smaller --n than an earlier sitting's reports fewer).
      Set<String> inRunKeys = inRun.stream().map(ImageRecord::key).collect(Collectors.toSet());
      List<SanityRecord> sanityInRun = sanity.records().stream().filter(r -> inRunKeys.contains(r.head() + "/" + r.scene())).toList();
      List<String> reported = chosen;
      String joinedLine = "";
      if (baselinesFrom != null) {
        JoinedBaselines.Joined j = JoinedBaselines.join(inRun, chosen, setup, baselinesFrom);
        inRun = j.rows();
        reported = j.methods();
        joinedLine = j.otherOutput() ? String.format(" Also the attribution methods of %s, which explained the %s: named \"method [%s]\"; "
            + "recovery counts against the stronger of the two.", baselinesFrom, j.output(), j.output())
            : String.format(" The methods %s come from %s (same model, images and output; they do not depend on the explainer).",
                j.methods().subList(chosen.size(), j.methods().size()), baselinesFrom);
        setup.put("baselinesFrom", Map.of("folder", baselinesFrom.toString(), "output", j.output()));
      }
      Report report = Report.of(inRun, sanityInRun, reported, heads, pretrainSeconds, seed);
      List<String> charts = report.writeCharts(out);
      int grid = ev.grid();
      List<String> pictures = report.writeOverlays(out, inRun, images, grid, overlays);
      String where = folder != null ? String.format("tve evaluate on %s (%s, %s)", imagesDir, labelsFile != null ? "labels " + labelsFile : "no labels",
          boxesFile != null ? "boxes " + boxesFile : "no boxes") : String.format("tve evaluate on the %s split (scene seed %d)", split, sceneSeed);
      String setupLine = String.format("%s, heads %s, up to %d images each, target: each head's predicted class; "
          + "explained output: %s; "
          + "insertion blur sigma %s px (also the blurred IG baseline; %s); faithfulness correlation: %d subsets of %d patches to black; seed %d; "
          + "explainer pre-training %.0f s%s.%s", where, heads, n, outputLabel, sigma, calibration.getOrDefault("target", "given"), subsets,
          dev.tve.metric.FaithfulnessCorrelation.defaultTake(grid * grid), seed, pretrainSeconds,
          loaded != null && loaded.card().trainingSecondsEstimated() ? " (" + loaded.card().trainingSecondsNote() + ")" : "", joinedLine);
      String md = "# Explainer comparison\n\n" + setupLine + "\n\n" + report.markdown();
      AtomicFiles.write(out.resolve("summary.md"), md.getBytes(StandardCharsets.UTF_8));
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("setup", setup);
      doc.put("report", report.json());
      AtomicFiles.writeJson(out.resolve("summary.json"), doc);
      AtomicFiles.write(out.resolve("report.html"), report.html("TVE explainer comparison", setupLine, charts, pictures).getBytes(StandardCharsets.UTF_8));
      return new Result(md, inRun.size(), sanityInRun.size(), (System.nanoTime() - t0) / 1e9, out);
    }
  }

  /** The first {@code n} images of the folder that decode; the others are named in a note and left out. */
  private static long[] readable(FolderEvalImages folder, int n, Listener listener) {
    List<Long> ok = new ArrayList<>();
    for (long i = 0; i < folder.count() && ok.size() < n; i++) {
      try {
        folder.item(i);
        ok.add(i);
      } catch (java.io.UncheckedIOException e) {
        listener.note("left out: " + e.getCause().getMessage());
      }
    }
    return ok.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * The insertion blur on a user's folder: the last {@code n} readable images; with labels, the head's
   * accuracy is brought to near chance, without them its agreement with its own unblurred prediction.
   */
  private static BlurCalibration.Result calibrateOnFolder(TargetModel target, Head h, FolderEvalImages folder, int n, Map<String, Object> record,
      Listener listener) {
    int f = folder.channels() * folder.size() * folder.size();
    List<float[]> xs = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    boolean useLabels = folder.hasLabels();
    for (long i = folder.count() - 1; i >= 0 && xs.size() < n; i--) {
      EvalImages.Item it;
      try {
        it = folder.item(i);
      } catch (java.io.UncheckedIOException e) {
        continue;
      }
      int l = -1;
      if (useLabels) {
        if (it.label() < 0) continue;
        l = h.classNames().indexOf(folder.classNames().get(it.label()));
        if (l < 0) continue;
      }
      xs.add(it.x());
      labels.add(l);
    }
    if (xs.size() < 10) throw new IllegalArgumentException(folder.root() + ": " + xs.size() + " usable images for the blur calibration of head "
        + h.name() + (useLabels ? " (labelled with its classes)" : "") + "; need at least 10, or give --blur-sigma");
    int m = xs.size();
    float[] x = new float[m * f];
    for (int i = 0; i < m; i++) System.arraycopy(xs.get(i), 0, x, i * f, f);
    dev.tve.model.ModelScorer scorer = new dev.tve.model.ModelScorer(target.encoder(), h, 64);
    int[] y = useLabels ? labels.stream().mapToInt(Integer::intValue).toArray() : scorer.predict(x, m);
    double[] ladder = {0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32};
    BlurCalibration.Result r = BlurCalibration.measure(scorer, x, m, folder.channels(), folder.size(), y, h.classes(), ladder, 0.05);
    for (int k = 0; k < ladder.length; k++) record.put("sigma " + ladder[k], r.accuracy()[k]);
    record.put("target", useLabels ? "accuracy on the labels to near chance" : "agreement with the unblurred prediction to near chance (no labels)");
    record.put("images", m);
    if (Double.isNaN(r.chosen())) throw new IllegalStateException("no sigma up to 32 brings head " + h.name() + " near chance on " + folder.root()
        + ": " + record + "; give --blur-sigma");
    return r;
  }

  private void runSanity(Evaluation ev, TargetModel target, ExplainerFiles.Loaded loaded, List<Head> headList,
      Map<String, long[]> selected, List<ImageRecord> all, RecordFile<SanityRecord> sanity, SceneSetup scenes, int steps,
      int si, int sk, Listener listener) throws Exception {
    ExplainerFiles.Loaded randomExplainer = null;
    TargetModel randomModel = null;
    for (Head h : headList) {
      // The first --sanity-n images of the head; a shard takes its share of them.
      long[] idx = java.util.Arrays.copyOf(selected.get(h.name()), Math.min((sanityN - si + sk - 1) / sk, selected.get(h.name()).length));
      Map<Long, ImageRecord> byScene = new LinkedHashMap<>();
      for (ImageRecord r : all) if (r.head().equals(h.name())) byScene.put(r.scene(), r);
      List<ImageRecord> originals = java.util.Arrays.stream(idx).mapToObj(byScene::get).filter(java.util.Objects::nonNull).toList();
      Set<String> done = sanity.records().stream().map(SanityRecord::key).collect(Collectors.toSet());
      for (String c : SanityCheck.CONDITIONS) {
        if (originals.stream().allMatch(r -> done.contains(h.name() + "/" + c + "/" + r.scene()))) continue;
        SanityCheck.Condition cond;
        switch (c) {
          case SanityCheck.RANDOM_HEAD -> {
            if (!(h instanceof dev.tve.model.LinearHead)) continue;
            cond = new SanityCheck.Condition(c, target, SanityCheck.randomHead(h, seed), loaded);
          }
          case SanityCheck.SHUFFLED_LABELS -> {
            Head shuffled = target.heads().get("shuffled-labels");
            // Only where the zoo has a shuffled-labels twin of this head (same classes).
            if (shuffled == null || shuffled == h || !shuffled.classNames().equals(h.classNames())) continue;
            cond = new SanityCheck.Condition(c, target, shuffled, loaded);
          }
          default -> {
            if (randomModel == null) {
              Encoder randomEncoder = randomEncoder(target.encoder());
              if (randomEncoder == null) continue;
              ImageSource train = scenes != null ? sceneTraining(loaded == null ? null : loaded.card(), scenes) : folderTraining(target);
              randomExplainer = loaded == null ? null : briefExplainer(randomEncoder, loaded.card(), train, steps, listener);
              randomModel = new TargetModel(randomEncoder, target.card(), new ArrayList<>(target.heads().values()));
            }
            cond = new SanityCheck.Condition(c, randomModel, h, randomExplainer);
          }
        }
        String label = "sanity " + h.name() + " " + c;
        SanityCheck.run(ev, cond, originals, done, sanity::append, k -> listener.progress(label, k, originals.size(), k + "/" + originals.size() + " images"));
        listener.done(label);
      }
    }
  }

  /** A randomised copy of the encoder (built-in: fresh weights; TorchScript: each tensor redrawn), or null when the module cannot be. */
  private Encoder randomEncoder(Encoder like) {
    if (like instanceof EncoderModule module) {
      org.bytedeco.pytorch.global.torch.manual_seed(seed + 17);
      EncoderModule e = EncoderModule.create(module.architecture());
      e.eval();
      return e;
    }
    if (like instanceof TorchScriptEncoder ts) return ts.randomised(seed + 17);
    return null;
  }

  /** Pre-training scenes for the randomised encoder's explainer: the zoo explainer's kept classes. */
  private ImageSource sceneTraining(ExplainerCard zoo, SceneSetup s) {
    Set<Integer> excluded = zoo == null ? Set.of() : zoo.excludedClasses().stream().map(FashionMnist.CLASSES::indexOf).collect(Collectors.toSet());
    int[] kept = Splits.withLabels(s.carve().train(), s.train(), l -> !excluded.contains(l));
    return new SceneBatches(SceneGenerator.builder(s.train(), kept).optClutterSources(kept).optSeed(seed + 10).build(), s.mean(), s.std());
  }

  /** Pre-training images for the randomised encoder's explainer: the folder itself. */
  private ImageSource folderTraining(TargetModel target) throws java.io.IOException {
    return dev.tve.image.FolderImages.open(imagesDir, dev.tve.image.ImageDecoder.create(), target.input().preprocessing(), e -> {});
  }

  /** An explainer for the randomised encoder, pre-trained briefly with the model's explainer's recipe; kept in --out for reruns. */
  private ExplainerFiles.Loaded briefExplainer(Encoder encoder, ExplainerCard zoo, ImageSource images, int steps, Listener listener) throws Exception {
    Path dir = out.resolve("sanity-explainer");
    String encoderId = "randomised encoder (" + (encoder instanceof EncoderModule m ? m.architecture().name() : "TorchScript") + "), seed " + (seed + 17);
    if (Files.exists(dir.resolve(ExplainerFiles.CARD))) return ExplainerFiles.load(dir, encoderId);
    ExplainerCard.Training t = zoo.training();
    int batch = t != null && t.batch() > 0 ? t.batch() : 32, centres = t != null && t.centres() > 0 ? t.centres() : 4;
    batch = (int) Math.max(1, Math.min(batch, images.count() - 1));
    double lr = t != null && t.lr() > 0 ? t.lr() : 1e-3;
    org.bytedeco.pytorch.global.torch.manual_seed(seed);
    ExplainerNetwork net;
    ExplainerNetwork.Config config = dev.tve.pretrain.PretrainRecipe.withConstantOutputs(zoo.config(), encoder, images, zoo.radius(), centres, seed,
        n -> {});
    if (config.trunk().equals(ExplainerNetwork.Config.TORCHSCRIPT)) {
      TorchScriptEncoder ts = (TorchScriptEncoder) encoder;
      net = new ExplainerNetwork(config, config.shape() == ExplainerNetwork.Shape.SHARED ? new org.bytedeco.pytorch.JitModule[] {ts.trainableCopy()}
          : new org.bytedeco.pytorch.JitModule[] {ts.trainableCopy(), ts.trainableCopy()});
    } else {
      net = new ExplainerNetwork(config);
      if (encoder instanceof VitEncoder vit && t != null && t.init() != null && t.init().startsWith("encoder")) net.initTrunkFrom(vit);
    }
    ExplainerTrainer.Result r;
    try (ThreadPolicy.BlasScope blas = ThreadPolicy.blasScope(1)) {
      r = ExplainerTrainer.builder().optSteps(steps).optBatchSize(batch).optCentres(centres).optRadius(zoo.radius()).optLearningRate(lr)
          .optSeed(seed).optCheckpointDir(dir.resolve("checkpoint"))
          .optProgress(p -> listener.progress("sanity explainer", p.step(), p.steps(), String.format("loss %.4f %.1f img/s", p.loss(), p.imagesPerSecond())))
          .build().train(net, encoder, images);
    }
    listener.done("sanity explainer");
    ExplainerCard.Training training = new ExplainerCard.Training(steps, batch, centres, lr, seed, t != null ? t.init() : "random",
        ThreadPolicy.current(), 1, r.seconds(), r.lastLoss(), r.lastLoss(), r.resumedFromStep(), 0, r.heldOut(), "zero", r.timedFromStep(), "none");
    ExplainerCard card = ExplainerCard.of("explainer", config, encoderId, zoo.radius(), zoo.lambdaPos(), zoo.lambdaNeg(), "as the model's explainer",
        Map.of(), zoo.excludedClasses(), "sanity test: pre-trained briefly against a randomised encoder", training, null, null, zoo.projectVersion());
    card = ExplainerFiles.save(dir, net, card);
    net.eval();
    return new ExplainerFiles.Loaded(net, card);
  }

  /** Builder of {@link EvaluationRecipe}; defaults are {@code tve evaluate}'s. */
  public static final class Builder {
    private final Path modelDir, explainerDir, out;
    private Path data, imagesDir, labelsFile, boxesFile;
    private List<String> methods = Methods.ALL, heads = List.of();
    private boolean intoExisting;
    private int n = 50, sanityN = 5, sanitySteps = 0, calibrationScenes = 0, subsets = 100, overlays = 4, shardIndex = 0, shards = 1;
    private String split = "test", blurSigma = "auto";
    private long sceneSeed = 5, seed = 7;
    private boolean reportOnly;
    private ExplainedOutput output = ExplainedOutput.LOGIT;
    private Path baselinesFrom;

    private Builder(Path modelDir, Path explainerDir, Path out) {
      this.modelDir = modelDir;
      this.explainerDir = explainerDir;
      this.out = out;
    }

    /** @param v methods (default {@link Methods#ALL}) @return this */
    public Builder optMethods(List<String> v) { methods = List.copyOf(v); return this; }
    /** @param v write into an --out holding files the comparison did not write and no setup.json (refused by default) @return this */
    public Builder optIntoExisting(boolean v) { intoExisting = v; return this; }
    /** @param v heads (default: ten-class where the model has it, else its first head) @return this */
    public Builder optHeads(List<String> v) { heads = List.copyOf(v); return this; }
    /** @param v test scenes per head (default 50) @return this */
    public Builder optN(int v) { n = v; return this; }
    /** @param v sanity scenes per head (default 5) @return this */
    public Builder optSanityN(int v) { sanityN = v; return this; }
    /**
     * @param dir a folder of images to evaluate on instead of scenes
     * @param labels its labels.csv, or null
     * @param boxes its boxes.json, or null
     * @return this
     */
    public Builder optImages(Path dir, Path labels, Path boxes) {
      imagesDir = dir;
      labelsFile = labels;
      boxesFile = boxes;
      return this;
    }
    /** @param v steps of the randomised encoder's explainer (default 0: 5 per image of --n, from 20 to 100) @return this */
    public Builder optSanitySteps(int v) { sanitySteps = v; return this; }
    /** @param v test or validation (default test) @return this */
    public Builder optSplit(String v) { split = v; return this; }
    /** @param v scene seed (default 5) @return this */
    public Builder optSceneSeed(long v) { sceneSeed = v; return this; }
    /** @param v insertion blur sigma in pixels, or "auto" (default) @return this */
    public Builder optBlurSigma(String v) { blurSigma = v; return this; }
    /** @param v images for the blur calibration (default 0: 10 per image of --n, from 50 to 500) @return this */
    public Builder optCalibrationScenes(int v) { calibrationScenes = v; return this; }
    /** @param v random patch subsets for faithfulness correlation (default 100) @return this */
    public Builder optSubsets(int v) { subsets = v; return this; }
    /** @param v scenes per head shown with overlays (default 4) @return this */
    public Builder optOverlays(int v) { overlays = v; return this; }
    /** @param v the seed of every random draw (default 7) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v the Fashion-MNIST folder (default: the package's) @return this */
    public Builder optData(Path v) { data = v; return this; }
    /** @param v write the report from the records only @return this */
    public Builder optReportOnly(boolean v) { reportOnly = v; return this; }
    /** @param v the output every method explains (default the logit) @return this */
    public Builder optOutput(ExplainedOutput v) { output = v; return this; }
    /**
     * @param v another run's --out on the same model and images (default none): made with the other
     *     output, its attribution methods join the report and recovery counts against the stronger
     *     baseline; made with the same output, the attribution methods this run left out join ({@link JoinedBaselines})
     * @return this
     */
    public Builder optBaselinesFrom(Path v) { baselinesFrom = v; return this; }
    /**
     * @param index this shard, 0-based
     * @param count shards in all
     * @return this
     */
    public Builder optShard(int index, int count) {
      if (count < 1 || index < 0 || index >= count) throw new IllegalArgumentException("shard " + index + "/" + count + ": I/K with 0 <= I < K");
      shardIndex = index;
      shards = count;
      return this;
    }

    /** @return the recipe */
    public EvaluationRecipe build() {
      return new EvaluationRecipe(this);
    }
  }
}
