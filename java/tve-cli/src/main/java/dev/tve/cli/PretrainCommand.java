package dev.tve.cli;

import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.ExplainerTrainer;
import dev.tve.explain.Masks;
import dev.tve.explain.Verification;
import dev.tve.image.FashionMnist;
import dev.tve.image.FolderImages;
import dev.tve.image.ImageDecoder;
import dev.tve.image.ImageSource;
import dev.tve.image.LabeledImages;
import dev.tve.image.Preprocessing;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.model.Encoder;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.TorchScriptEncoder;
import dev.tve.model.VitEncoder;
import dev.tve.render.LineChart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve pretrain}: label-free pre-training of a TVE explainer against a frozen encoder, either a
 * built-in model folder on Fashion-MNIST scenes, or a user's TorchScript encoder on a folder of
 * unlabelled images.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Pre-train a TVE explainer against a frozen encoder (no labels).",
        "  tve pretrain --model zoo/encoder --out runs/explainer            (Fashion-MNIST scenes)",
        "  tve pretrain --encoder model.pt --images DIR --size 224 --patch 16 --out runs/explainer"})
public final class PretrainCommand implements Callable<Integer> {
  static final class Source {
    @Option(names = "--model", description = "A saved model folder (encoder.pt + encoder.card.json): pre-trains on Fashion-MNIST scenes.")
    Path model;

    @ArgGroup(exclusive = false)
    User user;
  }

  static final class User {
    @Option(names = "--encoder", required = true, description = "A TorchScript encoder: forward(x) [B, C, S, S] -> [B, D].") Path encoder;
    @Option(names = "--images", required = true, description = "A folder of unlabelled images (searched recursively).") Path images;
    @Option(names = "--size", required = true, description = "Input side S.") int size;
    @Option(names = "--patch", required = true, description = "Explainer patch side in pixels (grid = S / patch).") int patch;
    @Option(names = "--channels", defaultValue = "3") int channels;
    @Option(names = "--mean", split = ",", description = "Per-channel mean of pixels in [0, 1] (default 0.485,0.456,0.406 for RGB, 0.5 gray).") float[] mean;
    @Option(names = "--std", split = ",", description = "Per-channel std (default 0.229,0.224,0.225 for RGB, 0.5 gray).") float[] std;
    @Option(names = "--trunk-dim", defaultValue = "128") int trunkDim;
    @Option(names = "--trunk-layers", defaultValue = "4") int trunkLayers;
    @Option(names = "--validation-images", defaultValue = "200", description = "Images at the end of the sorted folder kept for the held-out fit.") int validationImages;
  }

  @ArgGroup(exclusive = true, multiplicity = "1") Source source;

  @Option(names = "--shape", defaultValue = "shared", description = "shared (one trunk, two heads) | separate (a trunk per sign, the reference's).")
  ExplainerNetwork.Shape shape;
  @Option(names = "--init", defaultValue = "encoder", description = "encoder (trunk starts at the encoder's weights; built-in ViT only) | random.")
  String init;
  @Option(names = "--steps", defaultValue = "2000") int steps;
  @Option(names = "--batch", defaultValue = "32", description = "Images per step.") int batch;
  @Option(names = "--centres", defaultValue = "4", description = "Centres per image per step (2 x centres encoder images per image).") int centres;
  @Option(names = "--radius", defaultValue = "1", description = "Mask radius r in patches ((2r+1)^2 window).") int radius;
  @Option(names = "--lr", defaultValue = "1e-3") double lr;
  @Option(names = "--lambda-minus", defaultValue = "1", description = "lambda- recorded in the card for explaining (default 1, the reference's; "
      + "choose it on validation scenes with tve faithfulness --split validation --lambda-minus X).") double lambdaMinus;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--exclude", split = ",", description = "Class indices whose images pre-training never sees (scenes only; default 8,9).",
      defaultValue = "8,9") int[] exclude;
  @Option(names = "--validation", defaultValue = "1000", description = "Validation scenes for the held-out fit (scenes only).") int validation;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", required = true, description = "Output folder: explainer.pt, explainer.card.json, loss.png; checkpoints (resumes).") Path out;

  @Override
  public Integer call() throws Exception {
    int t = threads != null ? ThreadPolicy.apply(threads) : ThreadPolicy.apply();
    // Pre-training keeps two threads busy (trainer, masked-target loader) and OpenBLAS's pool spins on
    // their cores: inside tve zoo build one BLAS thread ran it at 66 img/s against 20 with two (alone: 55
    // vs 50). The setting wins if given.
    try (ThreadPolicy.BlasScope blas = ThreadPolicy.blasScope(1)) {
      return pretrain(t, blas.threads());
    }
  }

  private int pretrain(int t, int blas) throws Exception {
    Encoder encoder;
    String encoderSha;
    ExplainerNetwork.Config config;
    ImageSource train;
    Map<String, ImageSource> heldOut = new LinkedHashMap<>();
    List<String> excluded = new ArrayList<>();
    String excludedNote;
    VitEncoder initFrom = null;
    AtomicLong failures = new AtomicLong();
    if (source.model != null) {
      TargetModel model = TargetModel.load(source.model);
      ModelCard card = model.card();
      encoder = model.encoder();
      encoderSha = card.weightsSha256();
      config = ExplainerNetwork.Config.matching(card.architecture(), shape);
      if (init.equals("encoder")) initFrom = (VitEncoder) encoder;
      Path dir = data != null ? data : FashionMnist.locate();
      LabeledImages images = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
      // The encoder's own validation carve: those items stay out of the explainer's training too.
      int carved = ((Number) card.training().getOrDefault("validationItems", 5000)).intValue();
      Splits splits = Splits.carve(images.size(), carved, card.seed());
      Set<Integer> ex = java.util.Arrays.stream(exclude).boxed().collect(Collectors.toSet());
      for (int c : exclude) {
        if (c < 0 || c >= images.classes().size()) throw new IllegalArgumentException("--exclude: no class " + c);
        excluded.add(images.classes().get(c));
      }
      int[] kept = Splits.withLabels(splits.train(), images, l -> !ex.contains(l));
      float mean = ((Number) card.preprocessing().get("mean")).floatValue(), std = ((Number) card.preprocessing().get("std")).floatValue();
      // Items and clutter both come from the kept classes: no pixel of an excluded class is seen.
      train = new SceneBatches(SceneGenerator.builder(images, kept).optClutterSources(kept).optSeed(seed + 10).build(), mean, std);
      int[] valKept = Splits.withLabels(splits.validation(), images, l -> !ex.contains(l));
      heldOut.put("validation", new SceneBatches(SceneGenerator.builder(images, valKept).optSeed(seed + 11).build(), mean, std));
      int[] valEx = Splits.withLabels(splits.validation(), images, ex::contains);
      if (valEx.length > 0) {
        heldOut.put("excludedClasses", new SceneBatches(SceneGenerator.builder(images, valEx).optClutterSources(valEx).optSeed(seed + 12).build(), mean, std));
      }
      excludedNote = "the encoder was trained on all " + images.classes().size() + " classes; the explainer's pre-training saw no image of " + excluded;
    } else {
      User u = source.user;
      encoder = TorchScriptEncoder.load(u.encoder, u.channels, u.size);
      encoderSha = ModelCard.sha256(u.encoder);
      if (init.equals("encoder")) throw new IllegalArgumentException("--init encoder needs a built-in ViT encoder; use --init random with --encoder");
      config = new ExplainerNetwork.Config(shape, u.channels, u.size, u.patch, u.trunkDim, u.trunkLayers, 4, 2, encoder.dim());
      float[] m = u.mean != null ? u.mean : u.channels == 3 ? new float[] {0.485f, 0.456f, 0.406f} : new float[] {0.5f};
      float[] s = u.std != null ? u.std : u.channels == 3 ? new float[] {0.229f, 0.224f, 0.225f} : new float[] {0.5f};
      Preprocessing pre = Preprocessing.builder(u.size, u.size, u.channels).optResize(Preprocessing.Resize.CENTER_CROP)
          .optMean(m).optStd(s).build();
      FolderImages all = FolderImages.open(u.images, ImageDecoder.create(), pre, e -> {
        failures.incrementAndGet();
        System.err.println("tve pretrain: skipped " + e.getMessage());
      });
      long n = all.count(), v = Math.min(u.validationImages, n / 5);
      if (v < 1 || n - v < batch) throw new IllegalArgumentException(u.images + ": " + n + " images; need at least " + (batch + 1));
      train = all.range(0, n - v);
      heldOut.put("validation", all.range(n - v, v));
      excludedNote = "user images; no classes";
    }
    if (config.imageSize() % config.patch() != 0) throw new IllegalArgumentException("size " + config.imageSize() + " is not a multiple of patch " + config.patch());
    org.bytedeco.pytorch.global.torch.manual_seed(seed);       // the initial weights follow the seed
    ExplainerNetwork net = new ExplainerNetwork(config);
    if (initFrom != null) net.initTrunkFrom(initFrom);
    System.err.printf("pre-training a %s explainer (grid %dx%d, r=%d covers %.0f %% of it, D=%d, init %s) for %d steps of %d images x %d centres; %d threads%n",
        shape.name().toLowerCase(), config.grid(), config.grid(), radius, 100 * Masks.coverage(config.grid(), radius), config.dim(),
        init, steps, batch, centres, t);
    ProgressBar bar = new ProgressBar("pretrain");
    ExplainerTrainer.Result r = ExplainerTrainer.builder().optSteps(steps).optBatchSize(batch).optCentres(centres).optRadius(radius)
        .optLearningRate(lr).optSeed(seed).optCheckpointDir(out.resolve("checkpoint"))
        .optProgress(p -> bar.update(p.step(), p.steps(), String.format("loss %.4f %.1f img/s", p.loss(), p.imagesPerSecond())))
        .build().train(net, encoder, train);
    bar.done();
    Map<String, Double> fit = new LinkedHashMap<>();
    for (Map.Entry<String, ImageSource> e : heldOut.entrySet()) {
      ImageSource src = e.getValue();
      int n = (int) Math.min(src.count(), source.model != null ? validation : src.count());
      Verification.Report rep = Verification.measure(net, encoder, src, 0, n, 4, radius, seed + 100);
      fit.put(e.getKey() + ".r2Keep", rep.r2Keep());
      fit.put(e.getKey() + ".r2Remove", rep.r2Remove());
      fit.put(e.getKey() + ".cosineKeep", rep.cosineKeep());
      fit.put(e.getKey() + ".cosineRemove", rep.cosineRemove());
      // Per-image trust threshold for tve explain --verify: the 5th percentile on validation.
      fit.put(e.getKey() + ".imageCosineP05", Verification.percentile(rep.cosine(), 0.05));
      System.out.printf("held-out fit on %s (%d images x 4 centres): R^2 keep %.3f, remove %.3f; cosine keep %.3f, remove %.3f%n",
          e.getKey(), n, rep.r2Keep(), rep.r2Remove(), rep.cosineKeep(), rep.cosineRemove());
    }
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("steps", steps);
    training.put("batch", batch);
    training.put("centres", centres);
    training.put("lr", lr);
    training.put("seed", seed);
    training.put("init", init);
    training.put("threads", t);
    training.put("blasThreads", blas);
    training.put("seconds", r.seconds());
    training.put("lastLoss", r.lastLoss());
    // One step's loss is noisy: the mean over the last 100 steps is the number to compare runs by.
    double tail = 0;
    int from = Math.max(0, r.losses().length - 100);
    for (int i = from; i < r.losses().length; i++) tail += r.losses()[i] / (r.losses().length - from);
    training.put("meanLossLast100", tail);
    training.put("resumedFromStep", r.resumedFromStep());
    if (failures.get() > 0) training.put("unreadableImages", failures.get());
    String lambdaChoice = lambdaMinus == 1.0 ? "reference default (lambda+ = lambda- = 1); on validation scenes lambda- 0 was less faithful "
        + "and 0.5 and 2 no more faithful (benchmarks/results/explainer-comparisons.md)"
        : "lambda- " + lambdaMinus + " set by --lambda-minus (chosen on validation scenes with tve faithfulness)";
    ExplainerCard card = new ExplainerCard("explainer", config, encoderSha, radius, 1.0, lambdaMinus, lambdaChoice,
        fit, excluded, excludedNote, training, null, null, "0.1.0");
    ExplainerFiles.save(out, net, card);
    LineChart.builder("explainer pre-training loss", "step", "MSE(E+) + MSE(E-)").optLogY(true).series("loss", r.losses())
        .build().write(out.resolve("loss.png"));
    System.out.printf("explainer: %d steps in %.0f s (%d threads), last loss %.4f; wrote %s%n", steps, r.seconds(), t, r.lastLoss(), out);
    return failures.get() > 0 ? 1 : 0;
  }
}
