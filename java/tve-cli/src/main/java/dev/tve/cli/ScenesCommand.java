package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.image.SceneGenerator;
import dev.tve.model.ModelCard;
import dev.tve.zoo.SceneFolder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve scenes}: Fashion-MNIST scenes as a folder of PNG files with labels.csv and boxes.json. */
@Command(name = "scenes", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write Fashion-MNIST scenes as PNG files with labels.csv and boxes.json (what tve evaluate --images reads; "
        + "also unlabelled pre-training images for tve pretrain --images).",
        "  tve scenes --split test --n 500 --out runs/test-scenes"})
public final class ScenesCommand implements Callable<Integer> {
  @Option(names = "--split", defaultValue = "test", description = "train | validation (the model's carve of the train split) | test (default: ${DEFAULT-VALUE}).")
  String split;
  @Option(names = "--n", defaultValue = "500", description = "Scenes (default: ${DEFAULT-VALUE}).") int n;
  @Option(names = "--first", defaultValue = "0", description = "First scene index (default: ${DEFAULT-VALUE}).") long first;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene seed (default: ${DEFAULT-VALUE}, tve evaluate's).") long seed;
  @Option(names = "--exclude", split = ",", description = "Class indices left out (items and clutter).") int[] exclude;
  @Option(names = "--model", description = "Built-in model whose validation carve splits train (default: zoo/scene-vit).") Path model;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--out", required = true, description = "The folder to write (must not exist).") Path out;

  @Override
  public Integer call() throws Exception {
    if (n < 1) throw new IllegalArgumentException("--n " + n + ": at least 1");
    // The test split needs no model; train and validation follow a built-in model's validation carve.
    ModelCard card = split.equals("test") ? null
        : ModelCard.read((model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit")).resolve("encoder.card.json"));
    SceneGenerator gen = SceneFolder.generator(data != null ? data : FashionMnist.locate(), card, split, seed, exclude != null ? exclude : new int[0]);
    ProgressBar bar = new ProgressBar("scenes");
    SceneFolder.write(out, gen, first, n, k -> bar.update(k, n, k + "/" + n));
    bar.done();
    System.out.printf("wrote %d %s scenes (seed %d) to %s with labels.csv and boxes.json%n", n, split, seed, out);
    return 0;
  }
}
