package dev.tve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.evaluate.Evaluation;
import dev.tve.evaluate.ImageRecord;
import dev.tve.evaluate.Methods;
import dev.tve.evaluate.RecordFile;
import dev.tve.evaluate.Report;
import dev.tve.evaluate.SanityCheck;
import dev.tve.evaluate.SanityRecord;
import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.ExplainerTrainer;
import dev.tve.explain.TveExplainer;
import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.io.AtomicFiles;
import dev.tve.metric.BlurCalibration;
import dev.tve.metric.FaithfulnessCheck;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve evaluate}: every explainer on the same test scenes and heads, scored for faithfulness,
 * localisation, sanity, agreement and cost; per-image results are appended to --out as they finish
 * and a rerun with the same --out continues; the report (summary.md, summary.json, curve charts,
 * report.html with overlays) is rewritten from all results at the end of every run.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compare TVE with Saliency, Integrated Gradients, Grad-CAM, occlusion, RISE, KernelSHAP and the random / intensity floors "
        + "on the same test scenes: deletion, insertion, faithfulness correlation, pointing game, relevance mass, sanity, agreement, cost.",
        "Appends rows.jsonl and sanity.jsonl per image (rerun with the same --out to continue); writes summary.md, summary.json, "
            + "curves-*.png, overlays/ and report.html."})
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer).") Path explainer;
  @Option(names = "--methods", split = ",", description = "Methods (default: all): " + "tve, saliency, integrated-gradients (black baseline), integrated-gradients-blur, grad-cam, occlusion, "
      + "rise, kernel-shap, random, intensity (also tve-display: TVE's smoothed display map).") List<String> methods;
  @Option(names = "--n", defaultValue = "50", description = "Test scenes per head (default: ${DEFAULT-VALUE}).") int n;
  @Option(names = "--heads", split = ",", defaultValue = "ten-class", description = "Heads (default: ${DEFAULT-VALUE}; e.g. ten-class,held-out). "
      + "A head over some of the scene classes gets scenes of those classes only.") List<String> heads;
  @Option(names = "--sanity-n", defaultValue = "5", description = "Scenes per head for the sanity tests, the first of the --n (default: ${DEFAULT-VALUE}; 0: none).")
  int sanityN;
  @Option(names = "--sanity-steps", defaultValue = "100", description = "Pre-training steps of the explainer for the randomised encoder (default: ${DEFAULT-VALUE}).")
  int sanitySteps;
  @Option(names = "--split", defaultValue = "test", description = "test | validation (choose parameters on validation; report on test).") String split;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene generator seed (default: ${DEFAULT-VALUE}).") long sceneSeed;
  @Option(names = "--blur-sigma", defaultValue = "auto", description = "Insertion canvas blur in pixels, or auto: measured on validation scenes "
      + "(the smallest sigma at which the first head is within 5 points of chance).") String blurSigma;
  @Option(names = "--calibration-scenes", defaultValue = "500", description = "Validation scenes for the blur calibration (default: ${DEFAULT-VALUE}).")
  int calibrationScenes;
  @Option(names = "--subsets", defaultValue = "100", description = "Random patch subsets per image for faithfulness correlation (default: ${DEFAULT-VALUE}).")
  int subsets;
  @Option(names = "--overlays", defaultValue = "4", description = "Scenes per head shown with every method's overlay in report.html (default: ${DEFAULT-VALUE}).")
  int overlays;
  @Option(names = "--seed", defaultValue = "7", description = "Seed of masks, coalitions, random maps, subsets, randomised models and bootstraps (default: ${DEFAULT-VALUE}).")
  long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--shard", description = "I/K: only every K-th scene from the I-th (0-based), main and sanity alike, for K processes "
      + "or machines each with its own --out; concatenate their rows.jsonl and sanity.jsonl into one --out (with one shard's setup.json) "
      + "and rerun without --shard for the report (benchmarks/run-evaluate.sh).") String shard;
  @Option(names = "--report-only", description = "Write the report from the results already in --out, scoring nothing new "
      + "(a run spread over several sittings, between them).") boolean reportOnly;
  @Option(names = "--out", defaultValue = "tve-evaluation", description = "Output folder (default: ${DEFAULT-VALUE}).") Path out;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    List<String> chosen = methods != null ? methods : Methods.ALL;
    Methods.check(chosen);
    if (n < 1) throw new IllegalArgumentException("--n must be at least 1");
    Path modelDir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : ExplainCommand.home().resolve("zoo/explainer");
    TargetModel target = TargetModel.load(modelDir);
    ModelCard card = target.card();
    ExplainerFiles.Loaded loaded = ExplainerFiles.load(explainerDir, card.weightsSha256());
    TveExplainer tve = TveExplainer.builder(target, loaded.network(), loaded.card())
        .optLambdas((float) loaded.card().lambdaPos(), (float) loaded.card().lambdaNeg()).build();
    List<Head> headList = new ArrayList<>();
    for (String h : heads) headList.add(target.head(h));

    SceneSetup loadedScenes = SceneSetup.load(data, card, split, sceneSeed);
    LabeledImages train = loadedScenes.train();
    Splits carve = loadedScenes.carve();
    float mean = loadedScenes.mean(), std = loadedScenes.std();
    SceneBatches scenes = loadedScenes.scenes();
    List<String> names = FashionMnist.CLASSES;

    // The settings results depend on; a rerun into the same --out must match them (more scenes or heads are fine).
    Files.createDirectories(out);
    Path setupFile = out.resolve("setup.json");
    Map<String, Object> fixed = new LinkedHashMap<>();
    fixed.put("modelWeightsSha256", card.weightsSha256());
    fixed.put("explainerWeightsSha256", loaded.card().weightsSha256());
    fixed.put("methods", chosen);
    fixed.put("split", split);
    fixed.put("sceneSeed", sceneSeed);
    fixed.put("subsets", subsets);
    fixed.put("seed", seed);
    fixed.put("sanitySteps", sanitySteps);
    Map<String, Object> previous = Files.exists(setupFile) ? JSON.readValue(setupFile.toFile(), Map.class) : null;
    if (previous != null) {
      for (Map.Entry<String, Object> e : fixed.entrySet()) {
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
      if (!names.containsAll(h.classNames())) throw new IllegalArgumentException("--blur-sigma auto calibrates on the first head, " + h.name()
          + ", whose classes are not scene classes: list a scene-class head first or give --blur-sigma");
      int cn = calibrationScenes;
      BlurCalibration.Result r = loadedScenes.calibrateBlur(target.encoder(), h, cn, calibration);
      sigma = r.chosen();
      calibration.put("head", h.name());
      calibration.put("chance", r.chance());
      calibration.put("scenes", cn);
      System.err.printf("blur calibration (accuracy of %s on %d blurred validation scenes, chance %.3f): %s -> sigma %s%n", h.name(), cn, r.chance(),
          calibration, sigma);
    } else {
      sigma = Double.parseDouble(blurSigma);
    }
    if (previous != null && previous.get("blurSigma") != null && ((Number) previous.get("blurSigma")).doubleValue() != sigma) {
      throw new IllegalArgumentException(out + " holds results made with blur sigma " + previous.get("blurSigma") + ", not " + sigma);
    }
    Map<String, Object> setup = new LinkedHashMap<>(fixed);
    setup.put("blurSigma", sigma);
    setup.put("blurCalibration", calibration);
    AtomicFiles.writeJson(setupFile, setup);

    Evaluation ev = Evaluation.builder(target.encoder(), tve, scenes).optMethods(chosen).optBlurSigma(sigma).optSeed(seed)
        .optSubsets(subsets).build();
    int shardIndex = 0, shards = 1;
    if (shard != null) {
      String[] p = shard.split("/");
      try {
        shardIndex = Integer.parseInt(p[0]);
        shards = Integer.parseInt(p[1]);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--shard " + shard + ": I/K, e.g. 0/2");
      }
      if (p.length != 2 || shards < 1 || shardIndex < 0 || shardIndex >= shards) throw new IllegalArgumentException("--shard " + shard + ": I/K with 0 <= I < K");
    }
    final int si = shardIndex, sk = shards;
    long t0 = System.nanoTime();
    try (RecordFile<ImageRecord> rows = RecordFile.open(out.resolve("rows.jsonl"), ImageRecord.class);
        RecordFile<SanityRecord> sanity = RecordFile.open(out.resolve("sanity.jsonl"), SanityRecord.class)) {
      Map<String, long[]> selected = new LinkedHashMap<>();
      for (Head h : headList) {
        long[] all = FaithfulnessCheck.select(scenes.generator(), h, Set.of(), n, 0, 0, 200L * n);
        long[] idx = java.util.stream.IntStream.range(0, all.length).filter(i -> i % sk == si).mapToLong(i -> all[i]).toArray();
        selected.put(h.name(), idx);
        Set<String> done = rows.records().stream().map(ImageRecord::key).collect(Collectors.toSet());
        long[] todo = java.util.Arrays.stream(idx).filter(i -> !done.contains(h.name() + "/" + i)).toArray();
        if (todo.length == 0 || reportOnly) continue;
        System.err.printf("head %s: %d of %d scenes to do (%d done)%n", h.name(), todo.length, idx.length, idx.length - todo.length);
        ProgressBar bar = new ProgressBar("evaluate " + h.name());
        long s0 = System.nanoTime();
        java.util.function.IntUnaryOperator labelToHead = label -> h.classNames().indexOf(names.get(label));
        ev.run(h, todo, labelToHead, rows::append, k -> bar.update(k, todo.length,
            String.format("%d/%d scenes, %.1f s/scene", k, todo.length, (System.nanoTime() - s0) / 1e9 / k)));
        bar.done();
      }
      if (sanityN > 0 && !reportOnly) runSanity(ev, target, loaded.card(), tve, headList, selected, rows.records(), sanity, train, carve, mean, std, si, sk);
      if (shard != null) {
        System.out.printf("shard %s: %d images, %d sanity records in %s; merge the shards and rerun without --shard for the report%n", shard,
            rows.records().size(), sanity.records().size(), out);
        return 0;
      }

      double pretrainSeconds = loaded.card().training() != null && loaded.card().training().get("seconds") instanceof Number s ? s.doubleValue() : Double.NaN;
      List<ImageRecord> inRun = new ArrayList<>();
      for (Head h : headList) {
        Set<Long> want = java.util.Arrays.stream(selected.get(h.name())).boxed().collect(Collectors.toSet());
        rows.records().stream().filter(r -> r.head().equals(h.name()) && want.contains(r.scene())).forEach(inRun::add);
      }
      // Sanity records of the scenes in this run only (a smaller --n than an earlier sitting's reports fewer).
      Set<String> inRunKeys = inRun.stream().map(ImageRecord::key).collect(Collectors.toSet());
      List<SanityRecord> sanityInRun = sanity.records().stream().filter(r -> inRunKeys.contains(r.head() + "/" + r.scene())).toList();
      Report report = Report.of(inRun, sanityInRun, chosen, heads, pretrainSeconds, seed);
      List<String> charts = report.writeCharts(out);
      List<String> pictures = report.writeOverlays(out, inRun, scenes.generator(), tve.grid(), overlays);
      String setupLine = String.format("tve evaluate on the %s split (scene seed %d), heads %s, up to %d scenes each, target: each head's predicted class; "
          + "insertion blur sigma %s px (also the blurred IG baseline); faithfulness correlation: %d subsets of %d patches to black; seed %d; "
          + "explainer pre-training %.0f s.", split, sceneSeed, heads, n, sigma, subsets,
          dev.tve.metric.FaithfulnessCorrelation.defaultTake(tve.grid() * tve.grid()), seed, pretrainSeconds);
      String md = "# Explainer comparison\n\n" + setupLine + "\n\n" + report.markdown();
      AtomicFiles.write(out.resolve("summary.md"), md.getBytes(StandardCharsets.UTF_8));
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("setup", setup);
      doc.put("report", report.json());
      AtomicFiles.writeJson(out.resolve("summary.json"), doc);
      AtomicFiles.write(out.resolve("report.html"), report.html("TVE explainer comparison", setupLine, charts, pictures).getBytes(StandardCharsets.UTF_8));
      System.out.print(md);
      System.out.printf("%d images, %d sanity records; this run %.0f s; wrote %s%n", inRun.size(), sanityInRun.size(),
          (System.nanoTime() - t0) / 1e9, out);
    }
    return 0;
  }

  private void runSanity(Evaluation ev, TargetModel target, ExplainerCard explainerCard, TveExplainer tve, List<Head> headList,
      Map<String, long[]> selected, List<ImageRecord> all, RecordFile<SanityRecord> sanity, LabeledImages train, Splits carve, float mean, float std,
      int si, int sk) throws Exception {
    TveExplainer randomTve = null;
    EncoderModule randomEncoder = null;
    for (Head h : headList) {
      // The first --sanity-n scenes of the head; a shard takes its share of them.
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
            cond = new SanityCheck.Condition(c, target.encoder(), SanityCheck.randomHead(h, seed), tve);
          }
          case SanityCheck.SHUFFLED_LABELS -> {
            Head shuffled = target.heads().get("shuffled-labels");
            // Only where the zoo has a shuffled-labels twin of this head (same classes).
            if (shuffled == null || shuffled == h || !shuffled.classNames().equals(h.classNames())) continue;
            cond = new SanityCheck.Condition(c, target.encoder(), shuffled, tve);
          }
          default -> {
            if (!(target.encoder() instanceof EncoderModule module)) continue;
            if (randomEncoder == null) {
              randomEncoder = randomEncoder(module);
              randomTve = briefExplainer(randomEncoder, target, explainerCard, train, carve, mean, std);
            }
            cond = new SanityCheck.Condition(c, randomEncoder, h, randomTve);
          }
        }
        ProgressBar bar = new ProgressBar("sanity " + h.name() + " " + c);
        SanityCheck.run(ev, cond, originals, done, sanity::append, k -> bar.update(k, originals.size(), k + "/" + originals.size() + " scenes"));
        bar.done();
      }
    }
  }

  private EncoderModule randomEncoder(EncoderModule like) {
    org.bytedeco.pytorch.global.torch.manual_seed(seed + 17);
    EncoderModule e = EncoderModule.create(like.architecture());
    e.eval();
    return e;
  }

  /** An explainer for the randomised encoder, pre-trained briefly with the zoo explainer's recipe; kept in --out for reruns. */
  private TveExplainer briefExplainer(EncoderModule encoder, TargetModel target, ExplainerCard zoo, LabeledImages train, Splits carve, float mean,
      float std) throws Exception {
    Path dir = out.resolve("sanity-explainer");
    String encoderId = "randomised " + encoder.architecture().name() + " encoder, seed " + (seed + 17);
    ExplainerNetwork net;
    ExplainerCard card;
    if (Files.exists(dir.resolve(ExplainerFiles.CARD))) {
      ExplainerFiles.Loaded l = ExplainerFiles.load(dir, encoderId);
      net = l.network();
      card = l.card();
    } else {
      Map<String, Object> t = zoo.training() != null ? zoo.training() : Map.of();
      int batch = ((Number) t.getOrDefault("batch", 32)).intValue(), centres = ((Number) t.getOrDefault("centres", 4)).intValue();
      double lr = ((Number) t.getOrDefault("lr", 1e-3)).doubleValue();
      Set<Integer> excluded = zoo.excludedClasses().stream().map(FashionMnist.CLASSES::indexOf).collect(Collectors.toSet());
      int[] kept = Splits.withLabels(carve.train(), train, l -> !excluded.contains(l));
      SceneBatches images = new SceneBatches(SceneGenerator.builder(train, kept).optClutterSources(kept).optSeed(seed + 10).build(), mean, std);
      org.bytedeco.pytorch.global.torch.manual_seed(seed);
      net = new ExplainerNetwork(zoo.config());
      if (encoder instanceof VitEncoder vit && "encoder".equals(t.get("init"))) net.initTrunkFrom(vit);
      ProgressBar bar = new ProgressBar("sanity explainer");
      ExplainerTrainer.Result r;
      try (ThreadPolicy.BlasScope blas = ThreadPolicy.blasScope(1)) {
        r = ExplainerTrainer.builder().optSteps(sanitySteps).optBatchSize(batch).optCentres(centres).optRadius(zoo.radius()).optLearningRate(lr)
            .optSeed(seed).optCheckpointDir(dir.resolve("checkpoint"))
            .optProgress(p -> bar.update(p.step(), p.steps(), String.format("loss %.4f %.1f img/s", p.loss(), p.imagesPerSecond())))
            .build().train(net, encoder, images);
      }
      bar.done();
      Map<String, Object> training = new LinkedHashMap<>(Map.of("steps", sanitySteps, "batch", batch, "centres", centres, "lr", lr, "seed", seed,
          "seconds", r.seconds(), "lastLoss", r.lastLoss()));
      card = new ExplainerCard("explainer", zoo.config(), encoderId, zoo.radius(), zoo.lambdaPos(), zoo.lambdaNeg(), "as the zoo explainer",
          Map.of(), zoo.excludedClasses(), "sanity test: pre-trained briefly against a randomised encoder", training, null, null, zoo.projectVersion());
      card = ExplainerFiles.save(dir, net, card);
      net.eval();
    }
    TargetModel randomModel = new TargetModel(encoder, target.card(), new ArrayList<>(target.heads().values()));
    return TveExplainer.builder(randomModel, net, card).optLambdas((float) card.lambdaPos(), (float) card.lambdaNeg()).build();
  }
}
