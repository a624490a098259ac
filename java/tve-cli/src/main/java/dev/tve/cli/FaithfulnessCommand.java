package dev.tve.cli;

import dev.tve.evaluate.FaithfulnessRecipe;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve faithfulness}: the internal check of TVE maps on Fashion-MNIST scenes against the
 * random and patch-intensity floors: deletion (black and normalised-zero canvases), insertion from
 * a blurred canvas (its sigma measured first: the smallest at which the head is near chance), and
 * the pointing game, with paired 95 % bootstrap intervals, on held-out-class scenes and the others.
 */
@Command(name = "faithfulness", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Check TVE maps against random and patch-intensity maps on labelled scenes (deletion, insertion, pointing game).",
        "Writes rows.jsonl (per scene), summary.json and summary.md to --out."})
public final class FaithfulnessCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer).") Path explainer;
  @Option(names = "--head", defaultValue = "ten-class", description = "Head (default: ${DEFAULT-VALUE}).") String headName;
  @Option(names = "--split", defaultValue = "test", description = "test | validation (the encoder's validation items of the train split; use it to choose parameters).")
  String split;
  @Option(names = "--scenes", defaultValue = "400", description = "Scenes of the classes the explainer saw (default: ${DEFAULT-VALUE}).") int others;
  @Option(names = "--held-out-scenes", defaultValue = "120", description = "Scenes of the classes left out of its pre-training (default: ${DEFAULT-VALUE}).")
  int heldOutScenes;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene generator seed (default: ${DEFAULT-VALUE}).") long sceneSeed;
  @Option(names = "--blur-sigma", defaultValue = "auto", description = "Insertion canvas blur in pixels, or auto: the smallest of 1,2,3,4,6,8,12,16 "
      + "at which the head's accuracy on --calibration-scenes blurred validation scenes is within 5 points of chance.") String blurSigma;
  @Option(names = "--calibration-scenes", defaultValue = "500", description = "Validation scenes for the blur calibration (default: ${DEFAULT-VALUE}).")
  int calibrationScenes;
  @Option(names = "--lambda-minus", description = "Override the explainer card's lambda-.") Double lambdaMinus;
  @Option(names = "--maps", split = ",", defaultValue = "tve,random,intensity",
      description = "tve, tve-raw, random, intensity; classic explainers at their default budgets: occlusion (P + 1 forwards per image), "
          + "rise (4000), kernel-shap (2P + 2050); saliency (1 forward and backward), integrated-gradients (50, black baseline).")
  List<String> maps;
  @Option(names = "--seed", defaultValue = "7", description = "Random map and bootstrap seed (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", defaultValue = "tve-faithfulness", description = "Output folder (default: ${DEFAULT-VALUE}).") Path out;

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    FaithfulnessRecipe.Result r = FaithfulnessRecipe.builder(model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit"),
            explainer != null ? explainer : ExplainCommand.home().resolve("zoo/explainer"), out)
        .optHead(headName).optSplit(split).optScenes(others).optHeldOutScenes(heldOutScenes).optSceneSeed(sceneSeed).optBlurSigma(blurSigma)
        .optCalibrationScenes(calibrationScenes).optLambdaMinus(lambdaMinus).optMaps(maps).optSeed(seed).optData(data).build()
        .run(new RecipeProgress());
    System.out.print(r.markdown());
    System.out.printf("%d scenes in %.0f s (%d forward passes); wrote %s%n", r.scenes(), r.seconds(), r.forwardPasses(), r.out());
    return 0;
  }
}
