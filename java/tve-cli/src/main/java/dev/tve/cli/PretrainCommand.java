package dev.tve.cli;

import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.Masks;
import dev.tve.image.FashionMnist;
import dev.tve.image.ImageDataException;
import dev.tve.image.Preprocessing;
import dev.tve.model.InputSpec;
import dev.tve.model.TargetModel;
import dev.tve.pretrain.ExplainerTrainer;
import dev.tve.pretrain.PretrainRecipe;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve pretrain}: label-free pre-training of a TVE explainer against a frozen encoder, either a
 * built-in model folder on Fashion-MNIST scenes, or a user's TorchScript encoder on a folder of
 * unlabelled images.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Pre-train a TVE explainer against a frozen encoder (no labels).",
        "  tve pretrain --model zoo/scene-vit --out runs/explainer                 (a built-in model on Fashion-MNIST scenes)",
        "  tve pretrain --model models/mine --images DIR --out runs/explainer      (any model folder, e.g. tve import's, on your images)",
        "  tve pretrain --encoder model.pt --images DIR --size 224 --patch 16 --out runs/explainer"})
public final class PretrainCommand implements Callable<Integer> {
  static final class Source {
    @Option(names = "--model", description = "A model folder (built-in or tve import's): pre-trains on --images, or on Fashion-MNIST scenes "
        + "for a built-in model without --images.")
    Path model;

    @ArgGroup(exclusive = false)
    User user;
  }

  static final class User {
    @Option(names = "--encoder", required = true, description = "A TorchScript encoder: forward(x) [B, C, S, S] -> [B, D].") Path encoder;
    @Option(names = "--size", required = true, description = "Input side S.") int size;
    @Option(names = "--patch", required = true, description = "Explainer patch side in pixels (grid = S / patch).") int patch;
    @Option(names = "--channels", defaultValue = "3") int channels;
    @Option(names = "--mean", split = ",", description = "Per-channel mean of pixels in [0, 1] (default 0.485,0.456,0.406 for RGB, 0.5 gray).") float[] mean;
    @Option(names = "--std", split = ",", description = "Per-channel std (default 0.229,0.224,0.225 for RGB, 0.5 gray).") float[] std;
  }

  @ArgGroup(exclusive = true, multiplicity = "1") Source source;

  @Option(names = "--images", description = "A folder of unlabelled images (searched recursively; the last --validation-images are held out).")
  Path images;
  @Option(names = "--trunk-dim", defaultValue = "128", description = "Width of a fresh ViT trunk (when it cannot start from the encoder).") int trunkDim;
  @Option(names = "--trunk-layers", defaultValue = "4", description = "Depth of a fresh ViT trunk.") int trunkLayers;
  @Option(names = "--validation-images", defaultValue = "200", description = "Images at the end of the sorted folder kept for the held-out fit.")
  int validationImages;

  @Option(names = "--shape", defaultValue = "shared", description = "shared (one trunk, two heads) | separate (a trunk per sign, the reference's).")
  ExplainerNetwork.Shape shape;
  @Option(names = "--init", defaultValue = "auto", description = "auto (default: from the encoder where it can, else a fresh trunk, said on stderr "
      + "and in the card) | encoder (a built-in ViT's weights, or a trainable copy of a TorchScript encoder's tokens/features; refused when impossible) "
      + "| random.")
  String init;
  @Option(names = "--steps", defaultValue = "2000") int steps;
  @Option(names = "--batch", defaultValue = "32", description = "Images per step.") int batch;
  @Option(names = "--centres", defaultValue = "4", description = "Centres per image per step (2 x centres encoder images per image).") int centres;
  @Option(names = "--radius", description = "Mask radius r in patches ((2r+1)^2 window; default 1; a game objective's players are single "
      + "patches: 0).") Integer radius;
  @Option(names = "--objective", defaultValue = "window", description = "What the explainer learns: window (E+ and E- of each patch's window: "
      + "the paper's) | shapley (Phi, the Shapley value of the patch game with KernelSHAP's fill: every linear head's Shapley map, w . Phi) | "
      + "banzhaf (the Banzhaf value). Default: ${DEFAULT-VALUE}.") String objective;
  @Option(names = "--estimator", defaultValue = "permutation", description = "A game objective's targets: permutation (antithetic marginal "
      + "contributions along random orders; Shapley only) | regression (least squares over Shapley-kernel coalitions and their complements). "
      + "Default: ${DEFAULT-VALUE}.") String estimator;
  @Option(names = "--game-forwards", defaultValue = "32", description = "A game objective's encoder passes per image per step (besides e(x)). "
      + "Default: ${DEFAULT-VALUE}.") int gameForwards;
  @Option(names = "--lr", defaultValue = "1e-3") double lr;
  @Option(names = "--fill", defaultValue = "zero", description = "What masked pixels become: zero (normalised zero, the dataset mean: the "
      + "reference's), black (pixel 0) or mixed (the two alternating). Default: ${DEFAULT-VALUE}.") String fill;
  @Option(names = "--coalitions", defaultValue = "none", description = "Patches outside each window kept in both masked copies: none (the "
      + "window alone and the window removed: the reference's), shapley or banzhaf (a random coalition S, the targets f(x on S + window) and "
      + "f(x on S): E+ - E- learns the window's Shapley or Banzhaf value). Default: ${DEFAULT-VALUE}.") String coalitions;
  @Option(names = "--augment", description = "Scenes only: pre-train on scenes in random canvas variants (background level, noise, clutter), "
      + "as the zoo's encoder was trained.") boolean augment;
  @Option(names = "--mixer-layers", description = "Mixer layers per explainer head (default: 2).") Integer mixerLayers;
  @Option(names = "--lambda-minus", defaultValue = "1", description = "lambda- recorded in the card for explaining (default 1, the reference's; "
      + "choose it on validation scenes with tve faithfulness --split validation --lambda-minus X).") double lambdaMinus;
  @Option(names = "--standardise", description = "Predict every embedding dimension in units of its spread over the targets, so the loss weighs "
      + "narrow dimensions as much as wide ones (default: raw units for the window objective; a game objective is always standardised).") boolean standardise;
  @Option(names = "--seed", defaultValue = "1") long seed;
  @Option(names = "--exclude", split = ",", description = "Class indices whose images pre-training never sees (scenes only; default 8,9).",
      defaultValue = "8,9") int[] exclude;
  @Option(names = "--validation", defaultValue = "1000", description = "Validation scenes for the held-out fit (scenes only).") int validation;
  @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;
  @Option(names = "--out", required = true, description = "Output folder: explainer.pt, explainer.card.json, loss.png; checkpoints (resumes).") Path out;
  @Option(names = "--into-existing", description = "Write into an --out that holds files tve did not write (refused otherwise); they are never "
      + "touched.") boolean intoExisting;

  @Override
  public Integer call() throws Exception {
    // A folder of someone else's is refused before anything is read or said (the recipe checks again when it writes).
    dev.tve.io.OutputFolder.check(out, intoExisting, "--into-existing", dev.tve.explain.ExplainerFiles.CARD, "checkpoint");
    dev.tve.explain.Objective obj = dev.tve.explain.Objective.parse(objective);
    dev.tve.explain.Objective.Estimator est = dev.tve.explain.Objective.Estimator.parse(estimator);
    int r = radius != null ? radius : obj.isGame() ? 0 : 1;
    // Checked before anything is loaded: a refused combination costs nothing.
    PretrainRecipe.Builder recipe = PretrainRecipe.builder().optIntoExisting(intoExisting).optSteps(steps).optBatchSize(batch).optCentres(centres)
        .optRadius(r).optLearningRate(lr).optLambdaMinus(lambdaMinus).optStandardised(standardise)
        .optFill(dev.tve.explain.MaskedTargets.Fill.parse(fill))
        .optCoalitions(dev.tve.explain.MaskedTargets.Coalitions.parse(coalitions)).optObjective(obj, est, gameForwards).optSeed(seed);
    recipe.build();
    int t = threads != null ? ThreadPolicy.apply(threads) : ThreadPolicy.apply();
    AtomicLong failures = new AtomicLong();
    ProgressBar bar = new ProgressBar("pretrain");
    PretrainRecipe.Listener listener = new PretrainRecipe.Listener() {
      @Override
      public void progress(ExplainerTrainer.Progress p) {
        bar.update(p.step(), p.steps(), String.format("loss %.4f %.1f img/s", p.loss(), p.imagesPerSecond()));
      }

      @Override
      public void note(String line) {
        System.out.println(line);
      }

      @Override
      public void skipped(ImageDataException e) {
        failures.incrementAndGet();
        System.err.println("tve pretrain: skipped " + dev.tve.batch.OutputSchema.printable(e.getMessage()));
      }
    };
    if (!java.util.List.of("auto", "encoder", "random").contains(init)) throw new IllegalArgumentException("--init " + init + ": auto, encoder or random");
    boolean fromEncoder = !init.equals("random");
    PretrainRecipe.Data d;
    if (source.model != null && images == null) {
      TargetModel model = TargetModel.load(source.model);
      if (!(model.encoder() instanceof dev.tve.model.EncoderModule)) {
        throw new IllegalArgumentException(source.model + ": a TorchScript model pre-trains on your images; add --images DIR");
      }
      boolean vit = model.encoder() instanceof dev.tve.model.VitEncoder;
      if (init.equals("encoder") && !vit) throw new IllegalArgumentException("--init encoder: the trunk starts from a ViT encoder only; this one is "
          + model.card().architecture().name());
      d = PretrainRecipe.scenes(model, data != null ? data : FashionMnist.locate(), shape, fromEncoder && vit, exclude, seed, validation, augment);
    } else if (source.model != null) {
      TargetModel model = TargetModel.load(source.model);
      d = PretrainRecipe.folder(model, images, shape, fromEncoder, trunkDim, trunkLayers, validationImages, batch, listener);
    } else {
      User u = source.user;
      if (images == null) throw new IllegalArgumentException("--encoder needs --images DIR");
      float[] m = u.mean != null ? u.mean : u.channels == 3 ? new float[] {0.485f, 0.456f, 0.406f} : new float[] {0.5f};
      float[] s = u.std != null ? u.std : u.channels == 3 ? new float[] {0.229f, 0.224f, 0.225f} : new float[] {0.5f};
      InputSpec in = new InputSpec(u.size, u.channels, perChannel(m, u.channels), perChannel(s, u.channels), 1f, Preprocessing.ChannelOrder.RGB,
          Preprocessing.Resize.CENTER_CROP, u.size % u.patch == 0 ? u.size / u.patch : 0);
      dev.tve.model.TorchScriptEncoder enc = dev.tve.model.TorchScriptEncoder.load(u.encoder, u.channels, u.size, in.grid());
      d = PretrainRecipe.folder(enc, dev.tve.model.ModelCard.sha256(u.encoder), in, u.patch, images, shape, fromEncoder, trunkDim, trunkLayers,
          validationImages, batch, listener);
    }
    if (mixerLayers != null) d = d.withMixerLayers(mixerLayers);
    if (init.equals("encoder") && d.initFrom() == null && d.copyFrom() == null) {
      throw new IllegalArgumentException("--init encoder: " + d.init() + "; use --init auto or random");
    }
    if (d.init().startsWith("random (")) System.err.println("tve pretrain: trunk " + d.init());
    ExplainerNetwork.Config config = d.config();
    if (obj.isGame()) {
      System.err.printf("pre-training a %s %s explainer (players: the %dx%d patches, D=%d, init %s) for %d steps of %d images x %d encoder passes "
          + "(%s estimator); %d threads%n", shape.name().toLowerCase(), obj.label(), config.grid(), config.grid(), config.dim(), d.init(), steps, batch,
          gameForwards, est.label(), t);
    } else {
      System.err.printf("pre-training a %s explainer (grid %dx%d, r=%d covers %.0f %% of it, D=%d, init %s) for %d steps of %d images x %d centres; %d threads%n",
          shape.name().toLowerCase(), config.grid(), config.grid(), r, 100 * Masks.coverage(config.grid(), r), config.dim(),
          d.init(), steps, batch, centres, t);
    }
    recipe.build().run(d, out, listener);
    bar.done();
    return failures.get() > 0 ? 1 : 0;
  }

  private static float[] perChannel(float[] v, int channels) {
    if (v.length == channels) return v;
    if (v.length != 1) throw new IllegalArgumentException("--mean/--std: " + v.length + " values for " + channels + " channels");
    float[] o = new float[channels];
    java.util.Arrays.fill(o, v[0]);
    return o;
  }
}
