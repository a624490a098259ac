package dev.tve.model;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.runtime.Version;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.global.torch;

/**
 * The scene-encoder recipe ({@code tve encoder-train}, step 1 of the zoo build): a ViT or CNN trained
 * on Fashion-MNIST scenes (train split minus a validation carve), then a 10-class linear probe on
 * frozen embeddings of train scenes the encoder never saw; writes the model folder (weights, typed
 * card with the scene normalisation and the patch grid, the ten-class head). Prints nothing.
 *
 * <pre>{@code
 * EncoderRecipe.Result r = EncoderRecipe.builder().optEpochs(8).build().run(FashionMnist.locate(), Path.of("zoo/scene-vit"), p -> {});
 * }</pre>
 */
public final class EncoderRecipe {
  /**
   * What the recipe measured.
   *
   * @param card the written card
   * @param validationAccuracy the probe's validation accuracy
   * @param testAccuracy its test accuracy
   * @param pointingChance the pointing game's chance level on the test scenes
   * @param grid the grid it was measured on
   * @param variantAccuracy the 10-class test accuracy on each scene variant ({@link VariantAccuracy#standard()})
   */
  public record Result(ModelCard card, double validationAccuracy, double testAccuracy, double pointingChance, int grid,
      Map<String, Double> variantAccuracy) {}

  private final String arch;
  private final int epochs, scenesPerEpoch, batch, patch, dim, layers, probeScenes, testScenes, validation;
  private final double lr;
  private final long seed;
  private final boolean augment;

  private EncoderRecipe(Builder b) {
    augment = b.augment;
    arch = b.arch;
    epochs = b.epochs;
    scenesPerEpoch = b.scenesPerEpoch;
    batch = b.batch;
    patch = b.patch;
    dim = b.dim;
    layers = b.layers;
    probeScenes = b.probeScenes;
    testScenes = b.testScenes;
    validation = b.validation;
    lr = b.lr;
    seed = b.seed;
  }

  /** @return a builder with tve encoder-train's defaults */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains and writes the model folder (checkpoints under out/checkpoint: a rerun resumes).
   *
   * @param data the Fashion-MNIST folder
   * @param out the model folder
   * @param progress training progress
   * @return what was measured
   * @throws IOException when data or outputs cannot be read or written
   */
  public Result run(Path data, Path out, Consumer<EncoderTrainer.Progress> progress) throws IOException {
    LabeledImages train = FashionMnist.load(data, FashionMnist.Split.TRAIN);
    LabeledImages test = FashionMnist.load(data, FashionMnist.Split.TEST);
    Splits splits = Splits.carve(train.size(), validation, seed);
    SceneGenerator trainGen = SceneGenerator.builder(train, splits.train()).optSeed(seed).optAugmentation(augment).build();
    SceneGenerator valGen = SceneGenerator.builder(train, splits.validation()).optSeed(seed + 1).build();
    SceneGenerator testGen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(seed + 2).build();
    float[] stats = SceneBatches.statistics(trainGen, 0, 2000);
    SceneBatches trainScenes = new SceneBatches(trainGen, stats[0], stats[1]);
    torch.manual_seed(seed);                                   // the initial weights follow the seed
    EncoderModule encoder = arch.equals("cnn") ? new CnnEncoder(1, 56, 32, dim) : new VitEncoder(1, 56, patch, dim, layers, 4);
    EncoderTrainer.Result r = EncoderTrainer.builder().optEpochs(epochs).optScenesPerEpoch(scenesPerEpoch).optBatchSize(batch)
        .optLearningRate(lr).optSeed(seed).optCheckpointDir(out.resolve("checkpoint")).optProgress(progress)
        .build().train(encoder, trainScenes);
    // Probe: a fresh head on frozen embeddings of train scenes never used in training (index offset).
    long probeFirst = (long) epochs * scenesPerEpoch;
    Embeddings probe = Embeddings.of(encoder, trainScenes, probeFirst, probeScenes, 128);
    Embeddings val = Embeddings.of(encoder, new SceneBatches(valGen, stats[0], stats[1]), 0, validation, 128);
    Embeddings tst = Embeddings.of(encoder, new SceneBatches(testGen, stats[0], stats[1]), 0, testScenes, 128);
    LinearHead head = Probe.builder().optSeed(seed).build().trainLinear("ten-class", probe.values(), probe.labels(), FashionMnist.CLASSES);
    double valAcc = head.accuracy(val.values(), val.labels()), testAcc = head.accuracy(tst.values(), tst.labels());
    Map<String, Double> variants = VariantAccuracy.measure(encoder, head, testGen, stats[0], stats[1], testScenes, VariantAccuracy.standard());
    int grid = arch.equals("cnn") ? 7 : 56 / patch;
    double chance = testGen.randomPointingRate(grid, 0, testScenes);
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
      hashes.put(f, ModelCard.sha256(data.resolve(f)));
    }
    Map<String, Object> notes = new LinkedHashMap<>();
    notes.put("canvas", 56);
    notes.put("scenes", "SceneGenerator canvas 56, 2 clutter pieces of 12..16 px" + (augment
        ? "; training scenes augmented (SceneVariant.draw: clutter 0, 1 or 2, background 0..56, noise up to 0..20; never blurred)" : ""));
    notes.put("augmented", augment);
    notes.put("testAccuracyByVariant", variants);
    notes.put("pointingChanceOnTestScenes", Map.of("grid", grid, "rate", chance));
    ModelCard.Training training = new ModelCard.Training(epochs, scenesPerEpoch, batch, lr, ThreadPolicy.current(), r.seconds(), r.lastEpochLoss(),
        probeScenes, validation, r.timedFromEpoch());
    ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, "encoder", encoder.architecture(), FashionMnist.CLASSES,
        InputSpec.of(56, 1, stats[0], stats[1], grid), notes, Map.of("validation", valAcc, "test", testAcc), hashes, seed, null, null, training,
        Version.VERSION, Map.of(), List.of());
    TargetModel model = new TargetModel(encoder, card, List.of(head));
    model.save(out);     // the card gets the weights' hash here
    ModelCard written = ModelCard.read(out.resolve("encoder.card.json"));
    model.close();
    return new Result(written, valAcc, testAcc, chance, grid, variants);
  }

  /** Builder of {@link EncoderRecipe}; defaults are tve encoder-train's. */
  public static final class Builder {
    private String arch = "vit";
    private int epochs = 12, scenesPerEpoch = 55000, batch = 64, patch = 8, dim = 128, layers = 4, probeScenes = 20000, testScenes = 10000,
        validation = 5000;
    private double lr = 2e-3;
    private long seed = 1;
    private boolean augment = true;

    private Builder() {}

    /** @param v vit or cnn @return this */
    public Builder optArch(String v) {
      if (!List.of("vit", "cnn").contains(v)) throw new IllegalArgumentException("arch " + v + ": vit or cnn");
      arch = v;
      return this;
    }
    /** @param v epochs (default 12) @return this */
    public Builder optEpochs(int v) { epochs = v; return this; }
    /** @param v scenes per epoch (default 55,000) @return this */
    public Builder optScenesPerEpoch(int v) { scenesPerEpoch = v; return this; }
    /** @param v batch (default 64) @return this */
    public Builder optBatchSize(int v) { batch = v; return this; }
    /** @param v peak learning rate (default 2e-3) @return this */
    public Builder optLearningRate(double v) { lr = v; return this; }
    /** @param v ViT patch in pixels (default 8: a 7 x 7 grid) @return this */
    public Builder optPatch(int v) { patch = v; return this; }
    /** @param v embedding width D (default 128) @return this */
    public Builder optDim(int v) { dim = v; return this; }
    /** @param v ViT layers (default 4) @return this */
    public Builder optLayers(int v) { layers = v; return this; }
    /** @param v seed (default 1) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v train scenes the probe learns from (default 20,000) @return this */
    public Builder optProbeScenes(int v) { probeScenes = v; return this; }
    /** @param v test scenes (default 10,000) @return this */
    public Builder optTestScenes(int v) { testScenes = v; return this; }
    /**
     * @param v train on augmented scenes (default on): a random canvas variant per scene, so the
     *     encoder and its probe hold up under background noise, brightness and missing clutter
     * @return this
     */
    public Builder optAugmentation(boolean v) { augment = v; return this; }
    /** @param v train items carved out for validation (default 5,000) @return this */
    public Builder optValidation(int v) { validation = v; return this; }

    /** @return the recipe */
    public EncoderRecipe build() { return new EncoderRecipe(this); }
  }
}
