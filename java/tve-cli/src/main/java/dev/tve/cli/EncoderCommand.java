package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.model.CnnEncoder;
import dev.tve.model.Embeddings;
import dev.tve.model.EncoderModule;
import dev.tve.model.EncoderTrainer;
import dev.tve.model.LinearHead;
import dev.tve.model.Probe;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve encoder-train}: trains a scene encoder on Fashion-MNIST scenes and its 10-class probe head. */
@Command(name = "encoder-train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train a ViT or CNN scene encoder on Fashion-MNIST scenes; report the linear probe's test accuracy.")
public final class EncoderCommand implements Callable<Integer> {
  @Option(names = "--arch", defaultValue = "vit", description = "vit | cnn (default: ${DEFAULT-VALUE}).") String arch;
  @Option(names = "--epochs", defaultValue = "12") int epochs;
  @Option(names = "--scenes-per-epoch", defaultValue = "55000") int scenesPerEpoch;
  @Option(names = "--batch", defaultValue = "64") int batch;
  @Option(names = "--lr", defaultValue = "2e-3") double lr;
  @Option(names = "--patch", defaultValue = "8", description = "ViT patch (56 / patch = grid side).") int patch;
  @Option(names = "--dim", defaultValue = "128") int dim;
  @Option(names = "--layers", defaultValue = "4") int layers;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--probe-scenes", defaultValue = "20000", description = "Train scenes the linear probe learns from.") int probeScenes;
  @Option(names = "--test-scenes", defaultValue = "10000") int testScenes;
  @Option(names = "--validation", defaultValue = "5000", description = "Train items held out for validation.") int validation;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", required = true) Path out;

  @Override
  public Integer call() throws Exception {
    int t = threads != null ? ThreadPolicy.apply(threads) : ThreadPolicy.apply();
    Path dir = data != null ? data : FashionMnist.locate();
    LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
    LabeledImages test = FashionMnist.load(dir, FashionMnist.Split.TEST);
    Splits splits = Splits.carve(train.size(), validation, seed);
    SceneGenerator trainGen = SceneGenerator.builder(train, splits.train()).optSeed(seed).build();
    SceneGenerator valGen = SceneGenerator.builder(train, splits.validation()).optSeed(seed + 1).build();
    SceneGenerator testGen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(seed + 2).build();
    float[] stats = SceneBatches.statistics(trainGen, 0, 2000);
    SceneBatches trainScenes = new SceneBatches(trainGen, stats[0], stats[1]);
    torch.manual_seed(seed);                                   // the initial weights follow the seed
    EncoderModule encoder = arch.equals("cnn") ? new CnnEncoder(1, 56, 32, dim) : new VitEncoder(1, 56, patch, dim, layers, 4);
    System.err.printf("training %s (%s) on %d train items, %d threads; scene mean %.4f std %.4f%n", arch,
        encoder.architecture().sizes(), splits.train().length, t, stats[0], stats[1]);
    ProgressBar bar = new ProgressBar("train");
    EncoderTrainer.Result r = EncoderTrainer.builder().optEpochs(epochs).optScenesPerEpoch(scenesPerEpoch).optBatchSize(batch)
        .optLearningRate(lr).optSeed(seed).optCheckpointDir(out.resolve("checkpoint"))
        .optProgress(p -> bar.update(p.step(), p.steps(), String.format("epoch %d/%d loss %.3f %.0f img/s", p.epoch(), p.epochs(), p.loss(), p.imagesPerSecond())))
        .build().train(encoder, trainScenes);
    bar.done();
    // Probe: a fresh head on frozen embeddings of train scenes never used in training (index offset).
    long probeFirst = (long) epochs * scenesPerEpoch;
    Embeddings probe = Embeddings.of(encoder, trainScenes, probeFirst, probeScenes, 128);
    Embeddings val = Embeddings.of(encoder, new SceneBatches(valGen, stats[0], stats[1]), 0, validation, 128);
    Embeddings tst = Embeddings.of(encoder, new SceneBatches(testGen, stats[0], stats[1]), 0, testScenes, 128);
    LinearHead head = Probe.builder().optSeed(seed).build().trainLinear("ten-class", probe.values(), probe.labels(), FashionMnist.CLASSES);
    double valAcc = head.accuracy(val.values(), val.labels()), testAcc = head.accuracy(tst.values(), tst.labels());
    int grid = arch.equals("cnn") ? 7 : 56 / patch;
    double chance = testGen.randomPointingRate(grid, 0, testScenes);
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
      hashes.put(f, ModelCard.sha256(dir.resolve(f)));
    }
    Map<String, Object> pre = new LinkedHashMap<>();
    pre.put("canvas", 56);
    pre.put("channels", 1);
    pre.put("mean", stats[0]);
    pre.put("std", stats[1]);
    pre.put("scenes", "SceneGenerator canvas 56, 2 clutter pieces of 12..16 px");
    pre.put("pointingChanceOnTestScenes", Map.of("grid", grid, "rate", chance));
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("epochs", epochs);
    training.put("scenesPerEpoch", scenesPerEpoch);
    training.put("batch", batch);
    training.put("lr", lr);
    training.put("threads", t);
    training.put("seconds", r.seconds());
    training.put("lastEpochLoss", r.lastEpochLoss());
    training.put("probeScenes", probeScenes);
    training.put("validationItems", validation);
    ModelCard card = new ModelCard("encoder", encoder.architecture(), FashionMnist.CLASSES, pre,
        Map.of("validation", valAcc, "test", testAcc), hashes, seed, null, null, training, "0.1.0");
    new TargetModel(encoder, card, List.of(head)).save(out);     // the card gets the weights' hash here
    System.out.printf("%s: trained in %.0f s (%d threads); linear probe accuracy: validation %.4f, test %.4f (%d test scenes); "
        + "pointing-game chance level on %dx%d: %.4f%n", arch, r.seconds(), t, valAcc, testAcc, testScenes, grid, grid, chance);
    return 0;
  }
}
