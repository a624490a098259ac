package dev.tve.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.Scene;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.io.AtomicFiles;
import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.model.Embeddings;
import dev.tve.model.EncoderModule;
import dev.tve.model.EncoderRecipe;
import dev.tve.model.EncoderTrainer;
import dev.tve.model.Head;
import dev.tve.model.Heads;
import dev.tve.model.ModelCard;
import dev.tve.model.Probe;
import dev.tve.model.TargetModel;
import dev.tve.pretrain.ExplainerTrainer;
import dev.tve.pretrain.PretrainRecipe;
import dev.tve.render.PngFiles;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The zoo recipe ({@code tve zoo build}): regenerates the embedded default from the Fashion-MNIST
 * package with recorded settings: (1) the scene encoder and its 10-class head, trained on augmented
 * scenes ({@link EncoderRecipe}), (2) the coarse, held-out-class and shuffled-label heads, (3) the TVE
 * explainer with two classes left out of its pre-training ({@link PretrainRecipe}), (4) the
 * {@code --verify} calibration ({@link VerifyCalibration}), (5) the sample scenes; then {@code recipe.json}.
 * Each step checkpoints or is skipped when its output is complete, so a build cut off goes on later
 * from where it stopped. Same machine kind and thread count: the same bytes. Prints nothing.
 *
 * <pre>{@code
 * ZooRecipe.builder(Path.of("zoo"), Path.of("samples"), FashionMnist.locate()).build().run(listener);
 * }</pre>
 */
public final class ZooRecipe {
  /** Coarse groups of the Fashion-MNIST classes: tops, bottoms, footwear, bags. */
  static final List<String> COARSE = List.of("tops", "bottoms", "footwear", "bags");
  static final int[] COARSE_OF = {0, 1, 0, 0, 0, 2, 0, 2, 3, 2};
  /** Classes left out of the explainer's pre-training (Bag, Ankle boot). */
  static final int[] HELD_OUT = {8, 9};
  /**
   * The explainer's recipe, chosen on validation scenes (benchmarks/results/explainer-arms.md): masks
   * filled with zero and black alternately (better than zero alone on black deletion and insertion, and
   * than black alone on zero deletion), r 1 (r 0 worse on every measure), 4000 steps (twice the first zoo's).
   */
  static final int EXPLAINER_STEPS = 4000, EXPLAINER_RADIUS = 1, EXPLAINER_CENTRES = 4, EXPLAINER_MIXER_LAYERS = 2;
  static final dev.tve.explain.MaskedTargets.Fill EXPLAINER_FILL = dev.tve.explain.MaskedTargets.Fill.MIXED;
  static final boolean EXPLAINER_AUGMENT = false;

  /** What the recipe reports as it goes. */
  public interface Listener {
    /** @param line a step starting or skipped, or a result */
    void note(String line);

    /** @param p an encoder training step done */
    default void encoderProgress(EncoderTrainer.Progress p) {}

    /** @param p an explainer training step done */
    default void explainerProgress(ExplainerTrainer.Progress p) {}
  }

  private final Path zoo, samplesDir, data;
  private final boolean smoke;

  private ZooRecipe(Builder b) {
    zoo = b.zoo;
    samplesDir = b.samples;
    data = b.data;
    smoke = b.smoke;
  }

  /**
   * @param zoo the zoo folder (scene-vit/, explainer/, recipe.json)
   * @param samples the sample scenes folder
   * @param data the Fashion-MNIST folder
   * @return a builder
   */
  public static Builder builder(Path zoo, Path samples, Path data) {
    return new Builder(zoo, samples, data);
  }

  /**
   * Builds (or finishes) the zoo.
   *
   * @param listener steps and progress
   * @return the recipe record written to recipe.json
   * @throws Exception when data or outputs cannot be read or written
   */
  public Map<String, Object> run(Listener listener) throws Exception {
    int t = ThreadPolicy.current();
    Path modelDir = zoo.resolve("scene-vit"), explainerDir = zoo.resolve("explainer");
    // Only a new or empty folder, or a zoo (one being built, or built), before anything is written.
    dev.tve.io.OutputFolder.claim(zoo, false, null, "recipe.json", "scene-vit");
    Map<String, Object> recipe = new LinkedHashMap<>();
    List<String> ran = new ArrayList<>();   // the steps this run did, for the recipe's timing
    long t0 = System.nanoTime();

    // 8 epochs, not encoder-train's 12: about 88 % either way, and the whole build fits its 1.5 h here.
    EncoderRecipe.Builder enc = EncoderRecipe.builder().optArch("vit").optSeed(1).optEpochs(smoke ? 1 : 8);
    String encCmd = "tve encoder-train --arch vit --seed 1 --threads " + t + " --out " + shown(modelDir) + (smoke ? "" : " --epochs 8");
    if (smoke) {
      enc.optScenesPerEpoch(640).optBatchSize(32).optDim(32).optLayers(1).optProbeScenes(300).optTestScenes(100).optValidation(50);
      encCmd += " --epochs 1 --scenes-per-epoch 640 --batch 32 --dim 32 --layers 1 --probe-scenes 300 --test-scenes 100 --validation 50";
    }
    recipe.put("encoder", encCmd);
    if (!Files.isRegularFile(modelDir.resolve("encoder.card.json"))) {
      listener.note("zoo: step 1/5, the scene encoder");
      ran.add("encoder");
      enc.build().run(data, modelDir, listener::encoderProgress);
    } else {
      listener.note("zoo: step 1/5 done already (" + modelDir + ")");
    }

    recipe.put("heads", "coarse (MLP 64, 4 groups), held-out (Bag vs Ankle boot), shuffled-labels (10 classes, labels permuted, seed 7)");
    Map<String, Double> headAccuracy = heads(modelDir, data, listener);
    if (!headAccuracy.isEmpty()) ran.add("heads");

    String preCmd = "tve pretrain --model " + shown(modelDir) + " --seed 1 --threads " + t + " --exclude 8,9 --steps " + EXPLAINER_STEPS
        + " --radius " + EXPLAINER_RADIUS + " --centres " + EXPLAINER_CENTRES + " --fill " + EXPLAINER_FILL.label() + " --mixer-layers "
        + EXPLAINER_MIXER_LAYERS + (EXPLAINER_AUGMENT ? " --augment" : "") + " --out " + shown(explainerDir);
    PretrainRecipe.Builder pre = PretrainRecipe.builder().optSeed(1).optSteps(EXPLAINER_STEPS).optRadius(EXPLAINER_RADIUS).optCentres(EXPLAINER_CENTRES)
        .optFill(EXPLAINER_FILL);
    int validation = 1000;
    if (smoke) {
      pre.optSteps(12).optBatchSize(8).optCentres(2);
      validation = 40;
      preCmd += " (smoke: --steps 12 --batch 8 --centres 2 --validation 40)";
    }
    recipe.put("explainer", preCmd);
    if (!Files.isRegularFile(explainerDir.resolve("explainer.card.json"))) {
      listener.note("zoo: step 3/5, the TVE explainer");
      ran.add("explainer");
      try (TargetModel model = TargetModel.load(modelDir)) {
        PretrainRecipe.Data d = PretrainRecipe.scenes(model, data, ExplainerNetwork.Shape.SHARED, true, HELD_OUT, 1, validation, EXPLAINER_AUGMENT)
            .withMixerLayers(EXPLAINER_MIXER_LAYERS);
        pre.build().run(d, explainerDir, new PretrainRecipe.Listener() {
          @Override public void progress(ExplainerTrainer.Progress p) { listener.explainerProgress(p); }
          @Override public void note(String line) { listener.note(line); }
        });
      }
    } else {
      listener.note("zoo: step 3/5 done already (" + explainerDir + ")");
    }

    int nFit = smoke ? 100 : 10_000, nHeld = smoke ? 40 : 2_000;
    recipe.put("verify", "tve calibrate --model " + shown(modelDir) + " --explainer " + shown(explainerDir) + " --fit " + nFit + " --held-out " + nHeld
        + " --flag 0.05 --centres 4");
    if (!calibrationCurrent(modelDir, explainerDir, listener)) {
      listener.note("zoo: step 4/5, the --verify calibration");
      ran.add("verify");
      try (TargetModel model = TargetModel.load(modelDir);
           dev.tve.explain.ExplainerFiles.Loaded x = dev.tve.explain.ExplainerFiles.load(explainerDir, model.card().weightsSha256())) {
        dev.tve.pretrain.VerifyCalibration.builder().build().scenes(model, modelDir, model.head("ten-class"), x, explainerDir, data, nFit, nHeld);
      }
    } else {
      listener.note("zoo: step 4/5 done already (" + modelDir.resolve(dev.tve.model.InDistribution.CARD) + ")");
    }

    samples(samplesDir, data, smoke ? 4 : 16, listener);
    recipe.put("samples", (smoke ? 4 : 16) + " test-split scenes, seed 2024");
    // From the heads' cards, so that a build resumed after step 2 still records them.
    try (TargetModel built = TargetModel.load(modelDir)) {
      for (Head h : built.heads().values()) {
        Heads.HeadCard hc = Heads.card(modelDir, h.name());
        if (hc != null) headAccuracy.putIfAbsent(h.name(), hc.testAccuracy());
      }
      recipe.put("headAccuracy", headAccuracy);
      recipe.put("threads", t);
      recipe.put("encoderSeconds", built.card().training().seconds());
      recipe.put("testAccuracyByVariant", built.card().notes().get("testAccuracyByVariant"));
    }
    ExplainerCard explainerCard = ExplainerCard.read(explainerDir.resolve("explainer.card.json"));
    recipe.put("explainerSeconds", explainerCard.trainingSeconds());
    if (explainerCard.trainingSecondsEstimated()) recipe.put("explainerSecondsEstimated", explainerCard.trainingSecondsNote());
    Path recipeFile = zoo.resolve("recipe.json");
    if (ran.isEmpty() && Files.isRegularFile(recipeFile)) {
      // Nothing was built: the recipe on disk still describes the zoo, and its timings are the build's.
      listener.note("zoo: recipe.json kept (every step was done already)");
      @SuppressWarnings("unchecked")
      Map<String, Object> kept = new ObjectMapper().readValue(recipeFile.toFile(), Map.class);
      return kept;
    }
    recipe.put("stepsThisRun", ran);
    recipe.put("secondsThisRun", (System.nanoTime() - t0) / 1e9);
    AtomicFiles.writeJson(recipeFile, recipe);
    listener.note(String.format("zoo: built %s in %.0f s this run (%d threads); heads: %s", zoo, (System.nanoTime() - t0) / 1e9, t, headAccuracy));
    return recipe;
  }

  /** Whether both --verify calibrations are there and made for the weights now in the folders (a rebuilt step leaves stale ones). */
  private static boolean calibrationCurrent(Path modelDir, Path explainerDir, Listener listener) throws java.io.IOException {
    if (!Files.isRegularFile(modelDir.resolve(dev.tve.model.InDistribution.CARD))
        || !Files.isRegularFile(explainerDir.resolve(dev.tve.explain.FitCalibration.FILE))) {
      return false;
    }
    try {
      dev.tve.model.InDistribution.load(modelDir, ModelCard.read(modelDir.resolve("encoder.card.json")).weightsSha256());
      dev.tve.explain.FitCalibration.load(explainerDir, ExplainerCard.read(explainerDir.resolve("explainer.card.json")));
      return true;
    } catch (dev.tve.runtime.ModelFileException e) {
      listener.note("zoo: the --verify calibration is stale (" + e.getMessage() + "): calibrating again");
      return false;
    }
  }

  /** A path as the recipe shows it: relative to the working folder when inside it. */
  private static String shown(Path p) {
    Path cwd = Path.of("").toAbsolutePath().normalize(), a = p.toAbsolutePath().normalize();
    return a.startsWith(cwd) ? cwd.relativize(a).toString() : a.toString();
  }

  /** Step 2: heads trained after the encoder on its embeddings of train scenes it never saw. */
  private Map<String, Double> heads(Path modelDir, Path dir, Listener listener) throws Exception {
    TargetModel model = TargetModel.load(modelDir);
    ModelCard card = model.card();
    LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN), test = FashionMnist.load(dir, FashionMnist.Split.TEST);
    Splits splits = Splits.carve(train.size(), card.validationItems(), card.seed());
    float mean = card.input().mean()[0], std = card.input().std()[0];
    long seed = card.seed();
    // Scene indices past everything the encoder and its probe used.
    long first = (long) card.training().epochs() * card.training().scenesPerEpoch() + card.training().probeScenes();
    int n = smoke ? 300 : 20_000, nTest = smoke ? 100 : 10_000;
    EncoderModule encoder = (EncoderModule) model.encoder();
    Map<String, Double> acc = new LinkedHashMap<>();
    if (model.heads().keySet().containsAll(List.of("coarse", "held-out", "shuffled-labels"))) {
      listener.note("zoo: step 2/5 done already (heads in " + modelDir + ")");
      return acc;
    }
    listener.note("zoo: step 2/5, heads");
    // The heads see the scenes the encoder was trained on: augmented when it was.
    boolean augmented = Boolean.TRUE.equals(card.notes().get("augmented"));
    Embeddings all = Embeddings.of(encoder, new SceneBatches(SceneGenerator.builder(train, splits.train()).optSeed(seed).optAugmentation(augmented).build(),
        mean, std), first, n, 128);
    Embeddings tst = Embeddings.of(encoder, new SceneBatches(SceneGenerator.builder(test, Splits.all(test.size())).optSeed(seed + 2).build(), mean, std), 0, nTest, 128);
    Probe probe = Probe.builder().optSeed(seed).build();
    int[] coarse = map(all.labels(), COARSE_OF), coarseTest = map(tst.labels(), COARSE_OF);
    Head c = probe.trainMlp("coarse", all.values(), coarse, COARSE, 64);
    acc.put("coarse", c.accuracy(tst.values(), coarseTest));
    // Held-out classes: a head on Bag vs Ankle boot scenes only.
    int[] heldTrain = indices(all.labels(), HELD_OUT), heldTest = indices(tst.labels(), HELD_OUT);
    Head h = probe.trainLinear("held-out", rows(all, heldTrain), relabel(all.labels(), heldTrain), names(HELD_OUT));
    acc.put("held-out", h.accuracy(rows(tst, heldTest), relabel(tst.labels(), heldTest)));
    int[] shuffled = all.labels().clone();
    Random r = new Random(7);
    for (int i = shuffled.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1), x = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = x;
    }
    Head s = probe.trainLinear("shuffled-labels", all.values(), shuffled, FashionMnist.CLASSES);
    acc.put("shuffled-labels", s.accuracy(tst.values(), tst.labels()));
    Head ten = model.head("ten-class");
    acc.put("ten-class", ten.accuracy(tst.values(), tst.labels()));
    String trainedOn = String.format("frozen embeddings of %d %strain-split scenes (indices %d.., generator seed %d) that neither the encoder "
        + "nor its probe saw", n, augmented ? "augmented " : "", first, seed);
    String testedOn = String.format("%d test-split scenes (generator seed %d)", nTest, seed + 2);
    Heads.save(modelDir, ten, headCard(card, "the 10 Fashion-MNIST classes", "tve encoder-train: linear probe on " + card.training().probeScenes()
        + " train scenes after the encoder", "linear", testedOn, acc.get("ten-class")));
    Heads.save(modelDir, c, headCard(card, "coarse groups " + COARSE + " of the 10 classes", trainedOn, "MLP, 64 hidden (GELU)", testedOn,
        acc.get("coarse")));
    Heads.save(modelDir, h, headCard(card, "the classes left out of the explainer's pre-training (Bag vs Ankle boot)", trainedOn
        + ", only those of the two classes", "linear", "the " + heldTest.length + " of those test scenes showing the two classes", acc.get("held-out")));
    Heads.save(modelDir, s, headCard(card, "sanity check: labels shuffled (seed 7), so the head must learn nothing; its test accuracy "
        + "should sit near chance and explanations of it should look unlike the ten-class head's", trainedOn, "linear", testedOn,
        acc.get("shuffled-labels")));
    return acc;
  }

  private static Heads.HeadCard headCard(ModelCard encoder, String purpose, String trainedOn, String form, String testedOn, double accuracy) {
    return new Heads.HeadCard(purpose, form + "; standardisation of the embeddings folded into the first layer", trainedOn, testedOn, accuracy,
        encoder.weightsSha256(), "tve zoo build, step 2");
  }

  private static int[] map(int[] labels, int[] to) {
    int[] o = new int[labels.length];
    for (int i = 0; i < o.length; i++) o[i] = to[labels[i]];
    return o;
  }

  private static int[] indices(int[] labels, int[] classes) {
    List<Integer> o = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) for (int c : classes) if (labels[i] == c) o.add(i);
    return o.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] relabel(int[] labels, int[] idx) {
    int[] o = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      for (int k = 0; k < HELD_OUT.length; k++) if (labels[idx[i]] == HELD_OUT[k]) o[i] = k;
    }
    return o;
  }

  private static float[] rows(Embeddings e, int[] idx) {
    float[] o = new float[idx.length * e.dim()];
    for (int i = 0; i < idx.length; i++) System.arraycopy(e.values(), idx[i] * e.dim(), o, i * e.dim(), e.dim());
    return o;
  }

  private static List<String> names(int[] classes) {
    List<String> o = new ArrayList<>();
    for (int c : classes) o.add(FashionMnist.CLASSES.get(c));
    return o;
  }

  /** Step 4: sample scenes from the test split as PNG, with their labels and boxes. */
  private static void samples(Path dir, Path data, int count, Listener listener) throws Exception {
    listener.note("zoo: step 5/5, " + count + " sample scenes");
    LabeledImages test = FashionMnist.load(data, FashionMnist.Split.TEST);
    SceneGenerator gen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(2024).build();
    Files.createDirectories(dir);
    List<Map<String, Object>> index = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Scene s = gen.scene(i);
      String name = String.format("scene-%02d.png", i);
      try (Mat m = new Mat(gen.canvas(), gen.canvas(), org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(s.pixels()))) {
        PngFiles.write(dir.resolve(name), m);
      }
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("file", name);
      e.put("label", s.label());
      e.put("class", FashionMnist.CLASSES.get(s.label()));
      e.put("box", List.of(s.box().x0(), s.box().y0(), s.box().x1(), s.box().y1()));   // x0, y0, x1, y1 (exclusive)
      index.add(e);
    }
    AtomicFiles.writeJson(dir.resolve("scenes.json"), index);
  }

  /** Builder of {@link ZooRecipe}. */
  public static final class Builder {
    private final Path zoo, samples, data;
    private boolean smoke;

    private Builder(Path zoo, Path samples, Path data) {
      this.zoo = zoo;
      this.samples = samples;
      this.data = data;
    }

    /** @param v tiny sizes: the same steps end to end in minutes @return this */
    public Builder optSmoke(boolean v) { smoke = v; return this; }

    /** @return the recipe */
    public ZooRecipe build() { return new ZooRecipe(this); }
  }
}
