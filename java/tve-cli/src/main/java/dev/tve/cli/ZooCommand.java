package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.model.EncoderTrainer;
import dev.tve.pretrain.ExplainerTrainer;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.zoo.ZooRecipe;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve zoo build}: regenerates the embedded default from the Debian dataset with a recorded
 * recipe: the scene encoder and its 10-class head, the coarse, held-out-class and shuffled-label
 * heads, the TVE explainer (two classes left out of its pre-training), and the sample scenes. Each
 * step checkpoints or is skipped when its output is complete, so a build cut off goes on later from
 * where it stopped. Same machine kind and thread count: the same bytes.
 */
@Command(name = "zoo", mixinStandardHelpOptions = true, subcommands = {ZooCommand.Build.class},
    description = "The embedded default model zoo.")
public final class ZooCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Build the zoo: encoder, heads, explainer, samples (resumes where a cut-off build stopped).",
          "  tve zoo build            full recipe (about 75 minutes here: 2 cores, 1 libtorch thread)",
          "  tve zoo build --smoke    the same steps at tiny sizes, a few minutes"})
  public static final class Build implements Callable<Integer> {
    @Option(names = "--out", description = "Zoo folder (default: zoo/ of the checkout).") Path out;
    @Option(names = "--samples", description = "Sample scenes folder (default: samples/ of the checkout).") Path samples;
    @Option(names = "--smoke", description = "Tiny sizes: checks the recipe end to end in minutes.") boolean smoke;
    @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
    @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

    @Override
    public Integer call() throws Exception {
      Path zoo = out != null ? out : ExplainCommand.home().resolve("zoo");
      Path samplesDir = samples != null ? samples : ExplainCommand.home().resolve("samples");
      if (threads != null) ThreadPolicy.apply(threads);
      else ThreadPolicy.apply();
      ProgressBar[] bar = new ProgressBar[1];
      Map<String, Object> recipe = ZooRecipe.builder(zoo, samplesDir, data != null ? data : FashionMnist.locate()).optSmoke(smoke).build()
          .run(new ZooRecipe.Listener() {
            @Override
            public void note(String line) {
              if (bar[0] != null) {
                bar[0].done();
                bar[0] = null;
              }
              System.err.println(line);
            }

            @Override
            public void encoderProgress(EncoderTrainer.Progress p) {
              if (bar[0] == null) bar[0] = new ProgressBar("train");
              bar[0].update(p.step(), p.steps(), String.format("epoch %d/%d loss %.3f %.0f img/s", p.epoch(), p.epochs(), p.loss(), p.imagesPerSecond()));
            }

            @Override
            public void explainerProgress(ExplainerTrainer.Progress p) {
              if (bar[0] == null) bar[0] = new ProgressBar("pretrain");
              bar[0].update(p.step(), p.steps(), String.format("loss %.4f %.1f img/s", p.loss(), p.imagesPerSecond()));
            }
          });
      if (bar[0] != null) bar[0].done();
      System.out.printf("zoo: built %s; heads: %s%n", zoo, recipe.get("headAccuracy"));
      return 0;
    }
  }
}
