package dev.tve.cli;

import dev.tve.evaluate.ShapleyAgreement;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve shapley-agreement}: how close TVE explainers and classic methods come to the Shapley values
 * of the patch game, exact or by a high-budget reference, per linear head.
 */
@Command(name = "shapley-agreement", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compare maps with the Shapley values of the patch game (players: the model's patches; removed patches zero in normalised "
        + "space): Pearson and Spearman with the reference map w_k . Phi of each linear head's predicted class.",
        "  tve shapley-agreement --explainer tve-shapley=runs/shapley --explainer tve-window=zoo/explainer --methods kernel-shap:2146,occlusion "
            + "--out runs/agreement",
        "  tve shapley-agreement --model models/mine --images DIR --exact --explainer tve=runs/mine --out runs/exact",
        "Writes reference/ (one cached reference per image: a rerun resumes), rows.jsonl, reference.jsonl, summary.json and summary.md."})
public final class ShapleyAgreementCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--explainer", description = "NAME=FOLDER: a TVE explainer to score (repeatable; the first is the one paired differences "
      + "are taken from).") Map<String, Path> explainers = new java.util.LinkedHashMap<>();
  @Option(names = "--methods", split = ",", description = "Classic methods: registry names; kernel-shap:SAMPLES, occlusion:RADIUS (default "
      + "radius 1), integrated-gradients:STEPS.") List<String> methods = List.of();
  @Option(names = "--heads", split = ",", description = "Linear heads to score (default: every head; a non-linear one is refused).") List<String> heads;
  @Option(names = "--scenes", defaultValue = "100", description = "Images per head (default: ${DEFAULT-VALUE}); a head over some of the scene "
      + "classes takes scenes of those classes.") int scenes;
  @Option(names = "--split", defaultValue = "test", description = "test | validation scenes (default: ${DEFAULT-VALUE}).") String split;
  @Option(names = "--scene-seed", defaultValue = "5", description = "Scene generator seed (default: ${DEFAULT-VALUE}).") long sceneSeed;
  @Option(names = "--images", description = "A folder of images instead of scenes: the first --scenes in sorted order, every head.") Path images;
  @Option(names = "--exact", description = "Exact values: every one of the 2^P coalitions (P at most 20).") boolean exact;
  @Option(names = "--forwards", defaultValue = "20000", description = "Sampled reference: encoder passes per image, at least (default: "
      + "${DEFAULT-VALUE}).") int forwards;
  @Option(names = "--reliability", defaultValue = "0.98", description = "Split-half reliability below which an image's budget doubles "
      + "(default: ${DEFAULT-VALUE}).") double reliability;
  @Option(names = "--max-doublings", defaultValue = "2", description = "Doublings per image at most (default: ${DEFAULT-VALUE}).") int maxDoublings;
  @Option(names = "--reference-seed", defaultValue = "1000003", description = "The reference's seed, independent of the contenders' "
      + "(default: ${DEFAULT-VALUE}).") long referenceSeed;
  @Option(names = "--seed", defaultValue = "7", description = "Contenders' and bootstrap seed (default: ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", required = true, description = "Output folder.") Path out;

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    ShapleyAgreement.Builder b = ShapleyAgreement.builder(model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit"), out)
        .optMethods(methods).optHeads(heads).optScenes(scenes).optSplit(split).optSceneSeed(sceneSeed).optImages(images).optExact(exact)
        .optForwards(forwards).optReliability(reliability).optMaxDoublings(maxDoublings).optReferenceSeed(referenceSeed).optSeed(seed).optData(data);
    explainers.forEach(b::optExplainer);
    ShapleyAgreement.Result r = b.build().run(new RecipeProgress());
    System.out.print(r.markdown());
    System.out.printf("%d images in %.0f s; wrote %s%n", r.images(), r.seconds(), r.out());
    return 0;
  }
}
