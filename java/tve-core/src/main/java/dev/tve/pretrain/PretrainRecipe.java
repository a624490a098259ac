package dev.tve.pretrain;

import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.MaskedTargets;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.Verification;
import dev.tve.image.FashionMnist;
import dev.tve.image.FolderImages;
import dev.tve.image.ImageDataException;
import dev.tve.image.ImageDecoder;
import dev.tve.image.ImageSource;
import dev.tve.image.LabeledImages;
import dev.tve.image.Preprocessing;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.model.Encoder;
import dev.tve.model.InputSpec;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.model.TorchScriptEncoder;
import dev.tve.model.VitEncoder;
import org.bytedeco.pytorch.JitModule;
import dev.tve.render.LineChart;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.runtime.Version;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The pre-training recipe (what {@code tve pretrain} and the zoo build run): what the explainer
 * learns from ({@link Data}: a built-in model's Fashion-MNIST scenes with some classes kept out, or
 * a user's TorchScript encoder over a folder of unlabelled images), the training itself, the held-out
 * fit on validation images, and the explainer folder (weights, typed card, loss chart). Prints
 * nothing: progress and the held-out fit go to the caller's listener.
 *
 * <pre>{@code
 * PretrainRecipe.Data data = PretrainRecipe.scenes(model, FashionMnist.locate(), ExplainerNetwork.Shape.SHARED, true, new int[] {8, 9}, 1, 1000);
 * ExplainerCard card = PretrainRecipe.builder().optSteps(2000).build().run(data, Path.of("runs/explainer"), listener);
 * }</pre>
 */
public final class PretrainRecipe {
  /** Training images whose masked copies decide which embedding dimensions are constant. */
  public static final int CONSTANT_CHECK_IMAGES = 256;

  /**
   * What to pre-train against and on.
   *
   * @param encoder the frozen encoder
   * @param encoderSha256 SHA-256 of its weights (the card binds the explainer to them)
   * @param config the explainer's sizes
   * @param initFrom a built-in ViT whose weights start the trunk, or null
   * @param copyFrom a TorchScript encoder whose trainable copy is the trunk, or null
   * @param init how the trunk starts, for the card and the log
   * @param train training images
   * @param heldOut named validation sources for the held-out fit
   * @param heldOutLimit images per held-out source at most
   * @param excluded classes kept out of pre-training
   * @param excludedNote what that exclusion means
   * @param unreadable images of a folder that could not be read so far
   * @param input the encoder's input (its normalisation gives the black fill)
   */
  public record Data(Encoder encoder, String encoderSha256, ExplainerNetwork.Config config, VitEncoder initFrom, TorchScriptEncoder copyFrom,
      String init, ImageSource train, Map<String, ImageSource> heldOut, int heldOutLimit, List<String> excluded, String excludedNote,
      AtomicLong unreadable, InputSpec input) {
    /** @return a copy with the explainer's mixer layers per head set to {@code n} */
    public Data withMixerLayers(int n) {
      ExplainerNetwork.Config c = config;
      ExplainerNetwork.Config m = new ExplainerNetwork.Config(c.shape(), c.channels(), c.imageSize(), c.patch(), c.trunkDim(), c.trunkLayers(),
          c.trunkHeads(), n, c.dim(), c.trunk(), c.trunkMethod(), c.constantOutputs(), c.standardised(), c.objective());
      return new Data(encoder, encoderSha256, m, initFrom, copyFrom, init, train, heldOut, heldOutLimit, excluded, excludedNote, unreadable, input);
    }
  }

  /** What the recipe reports as it goes. */
  public interface Listener {
    /** @param p one training step done */
    void progress(ExplainerTrainer.Progress p);

    /** @param line a result worth showing (held-out fit, the summary) */
    void note(String line);

    /** @param e an image that could not be read (folder sources) */
    default void skipped(ImageDataException e) {}
  }

  private final int steps, batch, centres, radius;
  private final double lr, lambdaMinus;
  private final long seed;
  private final boolean intoExisting;
  private final boolean standardised;
  private final MaskedTargets.Fill fill;
  private final MaskedTargets.Coalitions coalitions;
  private final dev.tve.explain.Objective objective;
  private final dev.tve.explain.Objective.Estimator estimator;
  private final int gameForwards;

  private PretrainRecipe(Builder b) {
    objective = b.objective;
    estimator = b.estimator;
    gameForwards = b.gameForwards;
    fill = b.fill;
    coalitions = b.coalitions;
    steps = b.steps;
    batch = b.batch;
    centres = b.centres;
    radius = b.radius;
    lr = b.lr;
    lambdaMinus = b.lambdaMinus;
    seed = b.seed;
    intoExisting = b.intoExisting;
    standardised = b.standardised;
  }

  /** @return a builder with the zoo's settings */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A built-in model's scenes: Fashion-MNIST train items minus the encoder's validation carve, the
   * {@code exclude} classes left out entirely (items and clutter), validation scenes of the kept and of
   * the excluded classes for the held-out fit.
   *
   * @param model a built-in model
   * @param fashionDir the Fashion-MNIST folder
   * @param shape the explainer's shape
   * @param initFromEncoder start the trunk at the encoder's weights (built-in ViT only)
   * @param exclude class indices kept out
   * @param seed scene seed base
   * @param validation held-out scenes per source
   * @return the data
   * @throws IOException when the data cannot be read
   */
  public static Data scenes(TargetModel model, Path fashionDir, ExplainerNetwork.Shape shape, boolean initFromEncoder, int[] exclude, long seed,
      int validation) throws IOException {
    return scenes(model, fashionDir, shape, initFromEncoder, exclude, seed, validation, false);
  }

  /**
   * As above; with {@code augmented} the training scenes are drawn in random canvas variants as the
   * zoo's encoder was trained ({@link SceneGenerator.Builder#optAugmentation}); held-out scenes stay clean.
   *
   * @return the data
   * @throws IOException when the data cannot be read
   */
  public static Data scenes(TargetModel model, Path fashionDir, ExplainerNetwork.Shape shape, boolean initFromEncoder, int[] exclude, long seed,
      int validation, boolean augmented) throws IOException {
    ModelCard card = model.card();
    Encoder encoder = model.encoder();
    ExplainerNetwork.Config config = ExplainerNetwork.Config.matching(card.architecture(), shape);
    VitEncoder initFrom = null;
    if (initFromEncoder) {
      if (!(encoder instanceof VitEncoder vit)) throw new IllegalArgumentException("--init encoder needs a built-in ViT encoder");
      initFrom = vit;
    }
    LabeledImages images = FashionMnist.load(fashionDir, FashionMnist.Split.TRAIN);
    // The encoder's own validation carve: those items stay out of the explainer's training too.
    Splits splits = Splits.carve(images.size(), card.validationItems(), card.seed());
    Set<Integer> ex = java.util.Arrays.stream(exclude).boxed().collect(Collectors.toSet());
    List<String> excluded = new ArrayList<>();
    for (int c : exclude) {
      if (c < 0 || c >= images.classes().size()) throw new IllegalArgumentException("exclude: no class " + c);
      excluded.add(images.classes().get(c));
    }
    int[] kept = Splits.withLabels(splits.train(), images, l -> !ex.contains(l));
    InputSpec in = card.input();
    float mean = in.mean()[0], std = in.std()[0];
    // Items and clutter both come from the kept classes: no pixel of an excluded class is seen.
    ImageSource train = new SceneBatches(SceneGenerator.builder(images, kept).optClutterSources(kept).optSeed(seed + 10).optAugmentation(augmented)
        .build(), mean, std);
    Map<String, ImageSource> heldOut = new LinkedHashMap<>();
    int[] valKept = Splits.withLabels(splits.validation(), images, l -> !ex.contains(l));
    heldOut.put("validation", new SceneBatches(SceneGenerator.builder(images, valKept).optSeed(seed + 11).build(), mean, std));
    int[] valEx = Splits.withLabels(splits.validation(), images, ex::contains);
    if (valEx.length > 0) {
      heldOut.put("excludedClasses", new SceneBatches(SceneGenerator.builder(images, valEx).optClutterSources(valEx).optSeed(seed + 12).build(), mean, std));
    }
    String note = "the encoder was trained on all " + images.classes().size() + " classes; the explainer's pre-training saw no image of " + excluded
        + (augmented ? "; its training scenes were augmented (random canvas variants)" : "");
    return new Data(encoder, card.weightsSha256(), config, initFrom, null, initFrom != null ? "encoder" : "random", train, heldOut, validation,
        excluded, note, new AtomicLong(), in);
  }

  /**
   * A model over a folder of unlabelled images (searched recursively, sorted): the last
   * {@code validationImages} (at most a fifth) are held out for the fit. The trunk starts from the
   * encoder where it can ({@code initFromEncoder}): a built-in ViT's weights, or a trainable copy of a
   * TorchScript encoder read through its {@code tokens} or {@code features}; otherwise it is a fresh ViT
   * of {@code trunkDim} x {@code trunkLayers}, and {@link Data#init} says why.
   *
   * @param model the model (a built-in or imported folder)
   * @param images the folder
   * @param shape the explainer's shape
   * @param initFromEncoder start the trunk from the encoder where it can
   * @param trunkDim a fresh trunk's width
   * @param trunkLayers a fresh trunk's depth
   * @param validationImages held-out images
   * @param batch images per training step (the folder must hold more)
   * @param listener told about unreadable images
   * @return the data
   * @throws IOException when the folder cannot be read
   */
  public static Data folder(TargetModel model, Path images, ExplainerNetwork.Shape shape, boolean initFromEncoder, int trunkDim, int trunkLayers,
      int validationImages, int batch, Listener listener) throws IOException {
    InputSpec input = model.input();
    if (input.grid() < 1) throw new IllegalArgumentException("the model's card gives no patch grid");
    return folder(model.encoder(), model.card().weightsSha256(), input, input.size() / input.grid(), images, shape, initFromEncoder, trunkDim,
        trunkLayers, validationImages, batch, listener);
  }

  /**
   * As {@link #folder(TargetModel, Path, ExplainerNetwork.Shape, boolean, int, int, int, int, Listener)}
   * for an encoder without a model folder.
   *
   * @param encoder the encoder
   * @param encoderSha256 SHA-256 of its weights file
   * @param input the input it takes
   * @param patch the explainer's patch side in pixels
   * @param images the folder
   * @param shape the explainer's shape
   * @param initFromEncoder start the trunk from the encoder where it can
   * @param trunkDim a fresh trunk's width
   * @param trunkLayers a fresh trunk's depth
   * @param validationImages held-out images
   * @param batch images per training step
   * @param listener told about unreadable images
   * @return the data
   * @throws IOException when the folder cannot be read
   */
  public static Data folder(Encoder encoder, String encoderSha256, InputSpec input, int patch, Path images, ExplainerNetwork.Shape shape,
      boolean initFromEncoder, int trunkDim, int trunkLayers, int validationImages, int batch, Listener listener) throws IOException {
    if (input.size() % patch != 0) throw new IllegalArgumentException("size " + input.size() + " is not a multiple of patch " + patch);
    ExplainerNetwork.Config config;
    VitEncoder initFrom = null;
    TorchScriptEncoder copyFrom = null;
    String init;
    if (initFromEncoder && encoder instanceof VitEncoder vit && vit.architecture().size("patch") == patch) {
      config = ExplainerNetwork.Config.matching(vit.architecture(), shape);
      initFrom = vit;
      init = "encoder";
    } else if (initFromEncoder && encoder instanceof TorchScriptEncoder ts && ts.trunkMethod() != null) {
      config = ExplainerNetwork.Config.copying(ts, shape, patch, 2);
      copyFrom = ts;
      init = "encoder (a trainable copy of the TorchScript module, read through " + ts.trunkMethod() + "(x))";
    } else {
      config = new ExplainerNetwork.Config(shape, input.channels(), input.size(), patch, trunkDim, trunkLayers, 4, 2, encoder.dim());
      init = !initFromEncoder ? "random" : "random (the encoder exposes neither tokens(x) nor features(x), so the trunk is a fresh ViT)";
    }
    Preprocessing pre = input.preprocessing();
    AtomicLong failures = new AtomicLong();
    FolderImages all = FolderImages.open(images, ImageDecoder.create(), pre, e -> {
      failures.incrementAndGet();
      listener.skipped(e);
    });
    long n = all.count(), v = Math.min(validationImages, n / 5);
    if (v < 1 || n - v < batch) throw new IllegalArgumentException(images + ": " + n + " images; need at least " + (batch + 1));
    Map<String, ImageSource> heldOut = new LinkedHashMap<>();
    heldOut.put("validation", all.range(n - v, v));
    return new Data(encoder, encoderSha256, config, initFrom, copyFrom, init, all.range(0, n - v), heldOut, Integer.MAX_VALUE, List.of(),
        "user images; no classes", failures, input);
  }

  /**
   * Pre-trains, measures the held-out fit and writes {@code out}: explainer.pt, explainer.card.json,
   * loss.png (checkpoints under out/checkpoint: a rerun resumes). Runs with one OpenBLAS thread unless
   * the setting says otherwise (two busy threads and a spinning BLAS pool on 2 cores: 66 img/s against
   * 20 inside the zoo build), and puts the pool back afterwards.
   *
   * @param data what to learn from
   * @param out the explainer folder
   * @param listener progress and notes
   * @return the written card
   * @throws IOException when an output cannot be written
   */
  public ExplainerCard run(Data data, Path out, Listener listener) throws IOException {
    try (ThreadPolicy.BlasScope blas = ThreadPolicy.blasScope(1)) {
      return train(data, out, listener, blas.threads());
    }
  }

  /**
   * The config with the encoder's constant embedding dimensions (over the masked copies of the first
   * {@value #CONSTANT_CHECK_IMAGES} training images) as constant outputs; a note names them when there are any.
   *
   * @return the config to build the explainer with
   */
  public static ExplainerNetwork.Config withConstantOutputs(ExplainerNetwork.Config config, Encoder encoder, ImageSource train, int radius,
      int centres, long seed, java.util.function.Consumer<String> note) {
    return config.withConstantOutputs(constantOutputs(targetStatistics(config, encoder, train, radius, centres, seed), config, train, note));
  }

  private static MaskedTargets.Statistics targetStatistics(ExplainerNetwork.Config config, Encoder encoder, ImageSource train, int radius, int centres,
      long seed) {
    return new MaskedTargets(encoder, config.grid(), radius, 256).statistics(train, CONSTANT_CHECK_IMAGES, centres, seed + 300);
  }

  private static java.util.SortedMap<Integer, Float> constantOutputs(MaskedTargets.Statistics st, ExplainerNetwork.Config config, ImageSource train,
      java.util.function.Consumer<String> note) {
    java.util.SortedMap<Integer, Float> constant = st.constant();
    if (!constant.isEmpty()) {
      note.accept(constant.size() + " of " + config.dim() + " embedding dimensions are constant over the masked copies of "
          + Math.min(CONSTANT_CHECK_IMAGES, train.count()) + " training images (dead channels " + constant.keySet()
          + "); the explainer outputs them as constants");
    }
    return constant;
  }

  private ExplainerCard train(Data data, Path out, Listener listener, int blas) throws IOException {
    // Only a new or empty folder, or one of this command's own runs (its card, its checkpoint), unless told otherwise.
    dev.tve.io.OutputFolder.claim(out, intoExisting, "--into-existing", ExplainerFiles.CARD, "checkpoint");
    ExplainerNetwork.Config config = data.config();
    if (config.imageSize() % config.patch() != 0) throw new IllegalArgumentException("size " + config.imageSize() + " is not a multiple of patch " + config.patch());
    if (objective.isGame()) return trainGame(data, out, listener, blas);
    // Dead embedding channels are outputs to hold fixed, not to learn (see Config#constantOutputs).
    MaskedTargets.Statistics st = targetStatistics(config, data.encoder(), data.train(), radius, centres, seed);
    config = config.withConstantOutputs(constantOutputs(st, config, data.train(), listener::note)).withStandardised(standardised);
    org.bytedeco.pytorch.global.torch.manual_seed(seed);       // the initial weights follow the seed
    ExplainerNetwork net = newNetwork(data, config);
    if (standardised) {
      net.setOutputStatistics(st.meanKeep(), st.meanRemove(), st.scale());
      listener.note("outputs standardised: each embedding dimension predicted in units of its spread over the targets of "
          + Math.min(CONSTANT_CHECK_IMAGES, data.train().count()) + " training images (sd " + String.format("%.3g", min(st.scale())) + " to "
          + String.format("%.3g", max(st.scale())) + ")");
    }
    listener.note("explainer trunk: " + data.init());
    // Held-out R² as training goes, on up to 64 held-out images x 2 centres (the final fit below uses them all).
    Map.Entry<String, ImageSource> first = data.heldOut().entrySet().iterator().next();
    int curveImages = (int) Math.min(64, Math.min(first.getValue().count(), data.heldOutLimit()));
    float[][] fills = fill.values(data.input().mean(), data.input().std());
    ExplainerTrainer.Result r = ExplainerTrainer.builder().optSteps(steps).optBatchSize(batch).optCentres(centres).optRadius(radius)
        .optLearningRate(lr).optSeed(seed).optFill(fills).optCoalitions(coalitions).optCheckpointDir(out.resolve("checkpoint"))
        .optProgress(listener::progress)
        .optHeldOut(Math.max(1, steps / 10), (n, step) -> {
          Verification.Report rep = Verification.measure(n, data.encoder(), first.getValue(), 0, curveImages, 2, radius, seed + 200, fills);
          listener.note(String.format("step %d: held-out R^2 keep %.3f, remove %.3f (%s, %d images x 2 centres)", step, rep.r2Keep(), rep.r2Remove(),
              first.getKey(), curveImages));
          return new double[] {rep.r2Keep(), rep.r2Remove()};
        })
        .build().train(net, data.encoder(), data.train());
    Map<String, Double> fit = new LinkedHashMap<>();
    for (Map.Entry<String, ImageSource> e : data.heldOut().entrySet()) {
      ImageSource src = e.getValue();
      int n = (int) Math.min(src.count(), data.heldOutLimit());
      Verification.Report rep = Verification.measure(net, data.encoder(), src, 0, n, 4, radius, seed + 100, fills);
      fit.put(e.getKey() + ".r2Keep", rep.r2Keep());
      fit.put(e.getKey() + ".r2Remove", rep.r2Remove());
      fit.put(e.getKey() + ".r2WithinKeep", rep.r2WithinKeep());
      fit.put(e.getKey() + ".r2WithinRemove", rep.r2WithinRemove());
      fit.put(e.getKey() + ".cosineKeep", rep.cosineKeep());
      fit.put(e.getKey() + ".cosineRemove", rep.cosineRemove());
      // Per-image trust threshold for tve explain --verify: the 5th percentile on validation.
      fit.put(e.getKey() + ".imageCosineP05", Verification.percentile(rep.cosine(), 0.05));
      listener.note(String.format("held-out fit on %s (%d images x 4 centres): R^2 keep %.3f, remove %.3f; within-image R^2 keep %.3f, remove %.3f; "
          + "cosine keep %.3f, remove %.3f", e.getKey(), n, rep.r2Keep(), rep.r2Remove(), rep.r2WithinKeep(), rep.r2WithinRemove(), rep.cosineKeep(),
          rep.cosineRemove()));
    }
    // One step's loss is noisy: the mean over the last 100 steps is the number to compare runs by.
    double tail = meanOfLast100(r.losses());
    ExplainerCard.Training training = new ExplainerCard.Training(steps, batch, centres, lr, seed, data.init(), ThreadPolicy.current(), blas, r.seconds(),
        r.lastLoss(), tail, r.resumedFromStep(), data.unreadable().get(), r.heldOut(), fill.label(),
        r.timedFromStep(), coalitions.label());
    String lambdaChoice = lambdaMinus == 1.0 ? "reference default (lambda+ = lambda- = 1); on validation scenes lambda- 0 was less faithful "
        + "and 0.5 and 2 no more faithful (benchmarks/results/explainer-comparisons.md)"
        : "lambda- " + lambdaMinus + " set by --lambda-minus (chosen on validation scenes with tve faithfulness)";
    ExplainerCard card = ExplainerCard.of("explainer", config, data.encoderSha256(), radius, 1.0, lambdaMinus, lambdaChoice, fit, data.excluded(),
        data.excludedNote(), training, null, null, Version.VERSION);
    card = ExplainerFiles.save(out, net, card);
    LineChart.builder("explainer pre-training loss", "step", config.standardised() ? "MSE(E+) + MSE(E-), standardised" : "MSE(E+) + MSE(E-)").optLogY(true).series("loss", r.losses())
        .build().write(out.resolve("loss.png"));
    listener.note(String.format("explainer: %d steps in %.0f s (%d threads), last loss %.4f; wrote %s", steps, r.seconds(), ThreadPolicy.current(),
        r.lastLoss(), out));
    net.close();
    return card;
  }

  /**
   * A Shapley or Banzhaf explainer: one explainer head predicting Phi, trained on the patch game with
   * KernelSHAP's fill; the held-out fit is the coalition R² ({@link dev.tve.explain.GameFit}).
   */
  private ExplainerCard trainGame(Data data, Path out, Listener listener, int blas) throws IOException {
    ExplainerNetwork.Config config = data.config().withObjective(objective);
    dev.tve.explain.PatchGame game = new dev.tve.explain.PatchGame(data.encoder(), config.grid(), 256);
    // A dead channel's embedding never changes, so its game value is 0 at every patch: held there, not learnt.
    MaskedTargets.Statistics st = targetStatistics(config, data.encoder(), data.train(), 0, centres, seed);
    java.util.SortedMap<Integer, Float> constant = new java.util.TreeMap<>();
    for (Integer k : constantOutputs(st, config, data.train(), listener::note).keySet()) constant.put(k, 0f);
    // Always standardised: in raw units the loss is ruled by the widest dimensions (spreads differ 400x on the fixture CNN)
    // and the maps of heads that weigh narrow ones are noise (Pearson with exact values 0.12 raw, 0.83 standardised).
    config = config.withConstantOutputs(constant).withStandardised(true);
    org.bytedeco.pytorch.global.torch.manual_seed(seed);
    ExplainerNetwork net = newNetwork(data, config);
    // The spread of each dimension over single-patch masked copies: Phi is predicted, and its error weighed, in those units.
    net.setOutputStatistics(new float[config.dim()], new float[config.dim()], st.scale());
    listener.note("outputs standardised: each embedding dimension's Phi predicted in units of its spread over the masked copies of "
        + Math.min(CONSTANT_CHECK_IMAGES, data.train().count()) + " training images (sd " + String.format("%.3g", min(st.scale())) + " to "
        + String.format("%.3g", max(st.scale())) + ")");
    listener.note("explainer trunk: " + data.init());
    Map.Entry<String, ImageSource> first = data.heldOut().entrySet().iterator().next();
    int curveImages = (int) Math.min(64, Math.min(first.getValue().count(), data.heldOutLimit()));
    ExplainerTrainer.Result r = ExplainerTrainer.builder().optSteps(steps).optBatchSize(batch).optLearningRate(lr).optSeed(seed)
        .optObjective(objective, estimator, gameForwards).optCheckpointDir(out.resolve("checkpoint")).optProgress(listener::progress)
        .optHeldOut(Math.max(1, steps / 10), (n, step) -> {
          double r2 = dev.tve.explain.GameFit.r2(n, game, first.getValue(), 0, curveImages, 2, seed + 200);
          listener.note(String.format("step %d: held-out coalition R^2 %.3f (%s, %d images x 2 coalition pairs)", step, r2, first.getKey(), curveImages));
          return new double[] {r2};
        })
        .build().train(net, data.encoder(), data.train());
    Map<String, Double> fit = new LinkedHashMap<>();
    for (Map.Entry<String, ImageSource> e : data.heldOut().entrySet()) {
      int n = (int) Math.min(e.getValue().count(), data.heldOutLimit());
      double r2 = dev.tve.explain.GameFit.r2(net, game, e.getValue(), 0, n, 4, seed + 100);
      fit.put(e.getKey() + ".r2Coalitions", r2);
      listener.note(String.format("held-out fit on %s (%d images x 4 coalition pairs): coalition R^2 %.3f", e.getKey(), n, r2));
    }
    double tail = meanOfLast100(r.losses());
    ExplainerCard.Training training = new ExplainerCard.Training(steps, batch, 0, lr, seed, data.init(), ThreadPolicy.current(), blas, r.seconds(),
        r.lastLoss(), tail, r.resumedFromStep(), data.unreadable().get(), r.heldOut(), "zero", r.timedFromStep(), null);
    boolean shapley = objective == dev.tve.explain.Objective.SHAPLEY;
    String computes = shapley
        ? "per patch of the " + config.grid() + "x" + config.grid() + " grid, Phi_p: the Shapley value of the embedding game (removed patches zero in "
            + "normalised space, KernelSHAP's fill), corrected to sum to e(x) - e(x_empty). A linear head's map is w_k . Phi_p (no bias), the "
            + "Shapley values of its logit, summing to f(x) - f(x_empty); for an MLP head or the probability it is Phi_p . g, g the head's "
            + "gradient averaged on the line from e(x_empty) to e(x) (also summing to f(x) - f(x_empty); an approximation of their Shapley values)"
        : "per patch of the " + config.grid() + "x" + config.grid() + " grid, Phi_p: the Banzhaf value of the embedding game (removed patches zero "
            + "in normalised space); a linear head's map is w_k . Phi_p (no bias), the Banzhaf values of its logit";
    dev.tve.explain.ExplainerCard.Game g = new ExplainerCard.Game(objective.label(), estimator.label(), config.grid(), "zero", gameForwards, shapley,
        game.empty(), computes);
    ExplainerCard card = new ExplainerCard(ExplainerCard.FORMAT_VERSION, "explainer", config, data.encoderSha256(), 0, 1.0, 1.0,
        "fixed for a game explainer: the map is w_k . Phi (lambda+ = lambda- = 1 over Phi and zeros)", fit, data.excluded(), data.excludedNote(),
        training, null, null, Version.VERSION, Map.of(), g);
    card = ExplainerFiles.save(out, net, card);
    LineChart.builder("explainer pre-training loss", "step", estimator == dev.tve.explain.Objective.Estimator.PERMUTATION
        ? "MSE(Phi, antithetic marginal contributions)" : "MSE(sum over coalition of Phi, coalition value)").optLogY(true).series("loss", r.losses())
        .build().write(out.resolve("loss.png"));
    listener.note(String.format("explainer (%s, %s estimator): %d steps in %.0f s (%d threads), last loss %.4g; wrote %s", objective.label(),
        estimator.label(), steps, r.seconds(), ThreadPolicy.current(), r.lastLoss(), out));
    net.close();
    return card;
  }

  /** The trunk: a trainable copy of a TorchScript encoder (one per sign when separate), or a ViT, from the encoder's weights when asked. */
  private static ExplainerNetwork newNetwork(Data data, ExplainerNetwork.Config config) {
    if (data.copyFrom() != null) {
      return new ExplainerNetwork(config, config.shape() == ExplainerNetwork.Shape.SHARED ? new JitModule[] {data.copyFrom().trainableCopy()}
          : new JitModule[] {data.copyFrom().trainableCopy(), data.copyFrom().trainableCopy()});
    }
    ExplainerNetwork net = new ExplainerNetwork(config);
    if (data.initFrom() != null) net.initTrunkFrom(data.initFrom());
    return net;
  }

  /** One step's loss is noisy: the mean over the last 100 steps is the number to compare runs by. */
  private static double meanOfLast100(float[] losses) {
    double tail = 0;
    int from = Math.max(0, losses.length - 100);
    for (int i = from; i < losses.length; i++) tail += losses[i] / (losses.length - from);
    return tail;
  }

  private static float min(float[] v) {
    float m = Float.POSITIVE_INFINITY;
    for (float x : v) m = Math.min(m, x);
    return m;
  }

  private static float max(float[] v) {
    float m = Float.NEGATIVE_INFINITY;
    for (float x : v) m = Math.max(m, x);
    return m;
  }

  /** Builder of {@link PretrainRecipe}; defaults are the zoo's. */
  public static final class Builder {
    private int steps = 2000, batch = 32, centres = 4, radius = 1;
    private double lr = 1e-3, lambdaMinus = 1;
    private long seed = 1;
    private boolean standardised, intoExisting;
    private MaskedTargets.Fill fill = MaskedTargets.Fill.ZERO;
    private MaskedTargets.Coalitions coalitions = MaskedTargets.Coalitions.NONE;
    private dev.tve.explain.Objective objective = dev.tve.explain.Objective.WINDOW;
    private dev.tve.explain.Objective.Estimator estimator = dev.tve.explain.Objective.Estimator.PERMUTATION;
    private int gameForwards = 32;

    private Builder() {}

    /**
     * @param v what the explainer learns (default window, the paper's; shapley or banzhaf: the patch game's values)
     * @param e a game objective's estimator (default permutation)
     * @param forwardsPerImage a game objective's encoder passes per image per step (default 32)
     * @return this
     */
    public Builder optObjective(dev.tve.explain.Objective v, dev.tve.explain.Objective.Estimator e, int forwardsPerImage) {
      objective = java.util.Objects.requireNonNull(v, "objective");
      estimator = java.util.Objects.requireNonNull(e, "estimator");
      gameForwards = forwardsPerImage;
      return this;
    }

    /**
     * @param v which patches outside each window both masked copies keep (default none: the reference's
     *     window alone and window removed); the held-out R^2 curves and fit still measure the window-alone
     *     targets, so with coalitions they say how far E+ / E- are from those, not how well training fits
     * @return this
     */
    public Builder optCoalitions(MaskedTargets.Coalitions v) { coalitions = java.util.Objects.requireNonNull(v, "coalitions"); return this; }

    /** @param v what masked pixels become (default zero in normalised space, the reference's) @return this */
    public Builder optFill(MaskedTargets.Fill v) { fill = java.util.Objects.requireNonNull(v, "fill"); return this; }

    /** @param v optimizer steps (default 2000) @return this */
    public Builder optSteps(int v) { steps = v; return this; }
    /** @param v write into an --out holding files pre-training did not write and no card or checkpoint of its own (refused by default) @return this */
    public Builder optIntoExisting(boolean v) { intoExisting = v; return this; }
    /** @param v images per step (default 32) @return this */
    public Builder optBatchSize(int v) { batch = v; return this; }
    /** @param v mask centres per image per step (default 4) @return this */
    public Builder optCentres(int v) { centres = v; return this; }
    /** @param v mask radius in patches (default 1) @return this */
    public Builder optRadius(int v) { radius = v; return this; }
    /** @param v learning rate (default 1e-3) @return this */
    public Builder optLearningRate(double v) { lr = v; return this; }
    /** @param v lambda- recorded in the card (default 1) @return this */
    public Builder optLambdaMinus(double v) { lambdaMinus = v; return this; }
    /** @param v seed of the weights and the masks (default 1) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v predict standardised embedding dimensions (default false: raw units) @return this */
    public Builder optStandardised(boolean v) { standardised = v; return this; }

    /** @return the recipe */
    public PretrainRecipe build() {
      if (steps < 1 || batch < 1 || centres < 1 || radius < 0 || !(lr > 0)) throw new IllegalArgumentException("steps, batch, centres >= 1; radius >= 0; lr > 0");
      if (objective.isGame()) {
        String o = "--objective " + objective.label();
        if (radius != 0) throw new IllegalArgumentException(o + " plays single patches: --radius must be 0, not " + radius);
        if (coalitions != MaskedTargets.Coalitions.NONE) throw new IllegalArgumentException(o + " takes no --coalitions (they are the window objective's)");
        if (fill != MaskedTargets.Fill.ZERO) throw new IllegalArgumentException(o + " fills removed patches as KernelSHAP does (zero); --fill " + fill.label() + " is refused");
        if (objective == dev.tve.explain.Objective.BANZHAF && estimator == dev.tve.explain.Objective.Estimator.PERMUTATION) {
          throw new IllegalArgumentException(o + ": the permutation estimator is Shapley's; use --estimator regression");
        }
        if (gameForwards < 4) throw new IllegalArgumentException("--game-forwards " + gameForwards + ": at least 4");
      }
      return new PretrainRecipe(this);
    }
  }
}
