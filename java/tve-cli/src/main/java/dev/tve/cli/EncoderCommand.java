package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.model.EncoderRecipe;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
  @Option(names = "--no-augment", description = "Train on clean scenes only (default: a random canvas variant per scene: "
      + "background level, noise, clutter count).") boolean noAugment;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", required = true) Path out;

  @Override
  public Integer call() throws Exception {
    int t = threads != null ? ThreadPolicy.apply(threads) : ThreadPolicy.apply();
    Path dir = data != null ? data : FashionMnist.locate();
    System.err.printf("training %s on Fashion-MNIST scenes (%d validation items held out), %d threads%n", arch, validation, t);
    ProgressBar bar = new ProgressBar("train");
    EncoderRecipe.Result r = EncoderRecipe.builder().optArch(arch).optEpochs(epochs).optScenesPerEpoch(scenesPerEpoch).optBatchSize(batch)
        .optLearningRate(lr).optPatch(patch).optDim(dim).optLayers(layers).optSeed(seed).optProbeScenes(probeScenes).optTestScenes(testScenes)
        .optValidation(validation).optAugmentation(!noAugment).build()
        .run(dir, out, p -> bar.update(p.step(), p.steps(), String.format("epoch %d/%d loss %.3f %.0f img/s", p.epoch(), p.epochs(), p.loss(),
            p.imagesPerSecond())));
    bar.done();
    System.out.printf("%s: trained in %.0f s (%d threads); linear probe accuracy: validation %.4f, test %.4f (%d test scenes); "
        + "pointing-game chance level on %dx%d: %.4f%n", arch, r.card().training().seconds(), t, r.validationAccuracy(), r.testAccuracy(), testScenes,
        r.grid(), r.grid(), r.pointingChance());
    r.variantAccuracy().forEach((v, a) -> System.out.printf("  test accuracy, %s: %.4f%n", v, a));
    return 0;
  }
}
