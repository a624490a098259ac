package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.model.VariantAccuracy;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve robustness}: a scene model's head on the same test scenes in every canvas variant. */
@Command(name = "robustness", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Accuracy of a built-in scene model's head on its test scenes drawn clean and in every variant (background noise, "
        + "background level, no clutter; blur, the family training never sees). Markdown on stdout.")
public final class RobustnessCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--head", defaultValue = "ten-class", description = "Head over the 10 classes (default: ${DEFAULT-VALUE}).") String head;
  @Option(names = "--scenes", defaultValue = "10000", description = "Test scenes per variant (default: ${DEFAULT-VALUE}).") int scenes;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    Path dir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    try (TargetModel m = TargetModel.load(dir)) {
      Head h = m.head(head);
      if (!h.classNames().equals(FashionMnist.CLASSES)) throw new IllegalArgumentException("head " + head + " is not over the 10 Fashion-MNIST classes");
      LabeledImages test = FashionMnist.load(data != null ? data : FashionMnist.locate(), FashionMnist.Split.TEST);
      // The encoder's own test scenes (tve encoder-train's generator seed).
      SceneGenerator gen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(m.card().seed() + 2).build();
      Map<String, Double> acc = VariantAccuracy.measure(m.encoder(), h, gen, m.input().mean()[0], m.input().std()[0], scenes, VariantAccuracy.standard());
      double clean = acc.values().iterator().next();
      System.out.printf("%s, head %s, %d test scenes per variant (higher is better):%n%n| variant | accuracy | vs clean |%n|---|---:|---:|%n", dir, head,
          scenes);
      acc.forEach((v, a) -> System.out.printf("| %s | %.1f %% | %+.1f |%n", v, 100 * a, 100 * (a - clean)));
      return 0;
    }
  }
}
