package dev.tve.cli;

import dev.tve.evaluate.EvaluationRecipe;
import dev.tve.explain.Methods;
import dev.tve.model.ExplainedOutput;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve evaluate}: every explainer on the same test scenes and heads, scored for faithfulness,
 * localisation, sanity, agreement and cost; per-image results are appended to --out as they finish
 * and a rerun with the same --out continues; the report (summary.md, summary.json, curve charts,
 * report.html with overlays) is rewritten from all results at the end of every run.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compare TVE with Saliency, Integrated Gradients, Grad-CAM, occlusion, RISE, KernelSHAP and the random / intensity floors "
        + "on the same test scenes: deletion, insertion, faithfulness correlation, pointing game, relevance mass, sanity, agreement, cost.",
        "Appends rows.jsonl and sanity.jsonl per image (rerun with the same --out to continue); writes summary.md, summary.json, "
            + "curves-*.png, overlays/ and report.html."})
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "Explainer folder (default: zoo/explainer with the zoo's model; none with --model, "
      + "then tve needs this).") Path explainer;
  @Option(names = "--images", description = "Evaluate on this folder of images (searched recursively, sorted) instead of generated scenes.") Path images;
  @Option(names = "--labels", description = "With --images: labels.csv, lines file,class (paths relative to the folder); the blur calibration "
      + "then brings accuracy to near chance, else agreement with the unblurred prediction.") Path labels;
  @Option(names = "--boxes", description = "With --images: boxes.json, {\"file\": [x0, y0, x1, y1]} in image pixels; enables the pointing game "
      + "and relevance mass.") Path boxes;
  @Option(names = "--methods", split = ",", description = "Methods (default: all): " + "tve, saliency, integrated-gradients (black baseline), integrated-gradients-blur, grad-cam, occlusion, "
      + "rise, kernel-shap, random, intensity (also tve-display: TVE's smoothed display map).") List<String> methods;
  @Option(names = "--n", defaultValue = "50", description = "Images (test scenes, or the first of --images) per head (default: ${DEFAULT-VALUE}).") int n;
  @Option(names = "--heads", split = ",", description = "Heads (default: ten-class where the model has it, else its first; e.g. ten-class,held-out). "
      + "A head over some of the scene classes gets scenes of those classes only.") List<String> heads;
  @Option(names = "--sanity-n", defaultValue = "5", description = "Scenes per head for the sanity tests, the first of the --n (default: ${DEFAULT-VALUE}; 0: none).")
  int sanityN;
  @Option(names = "--sanity-steps", defaultValue = "0", description = "Pre-training steps of the explainer for the randomised encoder "
      + "(default 0: 5 per image of --n, from 20 to 100).")
  int sanitySteps;
  @Option(names = "--split", defaultValue = "test", description = "test | validation (choose parameters on validation; report on test).") String split;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene generator seed (default: ${DEFAULT-VALUE}).") long sceneSeed;
  @Option(names = "--blur-sigma", defaultValue = "auto", description = "Insertion canvas blur in pixels, or auto: measured on validation scenes "
      + "(the smallest sigma at which the first head is within 5 points of chance).") String blurSigma;
  @Option(names = "--calibration-scenes", defaultValue = "0", description = "Images for the blur calibration: validation scenes, or the last "
      + "images of --images (default 0: 10 per image of --n, from 50 to 500).")
  int calibrationScenes;
  @Option(names = "--subsets", defaultValue = "100", description = "Random patch subsets per image for faithfulness correlation (default: ${DEFAULT-VALUE}).")
  int subsets;
  @Option(names = "--overlays", defaultValue = "4", description = "Scenes per head shown with every method's overlay in report.html (default: ${DEFAULT-VALUE}).")
  int overlays;
  @Option(names = "--seed", defaultValue = "7", description = "Seed of masks, coalitions, random maps, subsets, randomised models and bootstraps (default: ${DEFAULT-VALUE}).")
  long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--shard", description = "I/K: only every K-th scene from the I-th (0-based), main and sanity alike, for K processes "
      + "or machines each with its own --out; concatenate their rows.jsonl and sanity.jsonl into one --out (with one shard's setup.json) "
      + "and rerun without --shard for the report (benchmarks/run-evaluate.sh).") String shard;
  @Option(names = "--report-only", description = "Write the report from the results already in --out, scoring nothing new "
      + "(a run spread over several sittings, between them).") boolean reportOnly;
  @Option(names = "--out", defaultValue = "tve-evaluation", description = "Output folder (default: ${DEFAULT-VALUE}).") Path out;
  @Option(names = "--into-existing", description = "Write into an --out that holds files tve did not write (refused otherwise); they are never "
      + "touched.") boolean intoExisting;

  @Option(names = "--output", defaultValue = "logit", description = "The output every method explains: logit (default, as Captum explains what the "
      + "forward returns) or probability.") ExplainedOutput output;
  @Option(names = "--baselines-from", description = "Another run's --out on the same model and images. Made with the other --output: its "
      + "attribution methods join the report as \"method [output]\", and TVE's recovery counts against the stronger baseline. Made with "
      + "the same output: the attribution methods this run left out join under their names (a new explainer: --methods tve,random).")
  Path baselinesFrom;

  @Override
  public Integer call() throws Exception {
    // A folder of someone else's is refused before anything is read (the recipe checks again when it writes).
    dev.tve.io.OutputFolder.check(out, intoExisting, "--into-existing", "setup.json");
    int shardIndex = 0, shardCount = 1;
    if (shard != null) {      // refused before anything is read or written
      String[] p = shard.split("/");
      try {
        if (p.length != 2) throw new NumberFormatException();
        shardIndex = Integer.parseInt(p[0]);
        shardCount = Integer.parseInt(p[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--shard " + shard + ": I/K, e.g. 0/2");
      }
      if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount) throw new IllegalArgumentException("--shard " + shard + ": I/K with 0 <= I < K");
    }
    if (n < 1) throw new IllegalArgumentException("--n " + n + ": at least 1");
    if ((labels != null || boxes != null) && images == null) throw new IllegalArgumentException("--labels and --boxes go with --images");
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    Path explainerDir = explainer != null ? explainer : model == null ? ExplainCommand.home().resolve("zoo/explainer") : null;
    EvaluationRecipe.Builder b = EvaluationRecipe.builder(model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit"), explainerDir, out)
        .optIntoExisting(intoExisting).optMethods(methods != null ? methods : Methods.ALL).optHeads(heads != null ? heads : List.of()).optN(n).optSanityN(sanityN).optSanitySteps(sanitySteps).optSplit(split)
        .optSceneSeed(sceneSeed).optBlurSigma(blurSigma).optCalibrationScenes(calibrationScenes).optSubsets(subsets).optOverlays(overlays)
        .optSeed(seed).optData(data).optReportOnly(reportOnly).optOutput(output).optShard(shardIndex, shardCount);
    if (baselinesFrom != null) b.optBaselinesFrom(baselinesFrom);
    if (images != null) b.optImages(images, labels, boxes);
    EvaluationRecipe.Result r = b.build().run(new RecipeProgress());
    if (r.markdown() == null) {
      System.out.printf("shard %s: %d images, %d sanity records in %s; merge the shards and rerun without --shard for the report%n", shard,
          r.images(), r.sanityRecords(), r.out());
    } else {
      System.out.print(r.markdown());
      System.out.printf("%d images, %d sanity records; this run %.0f s; wrote %s%n", r.images(), r.sanityRecords(), r.seconds(), r.out());
    }
    return 0;
  }
}
