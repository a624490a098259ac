package dev.tve.pretrain;

import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.FitCalibration;
import dev.tve.explain.MaskedTargets;
import dev.tve.explain.Verification;
import dev.tve.image.ImageSource;
import dev.tve.image.NativeTensors;
import dev.tve.model.Head;
import dev.tve.model.InDistribution;
import dev.tve.model.TargetModel;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;

/**
 * Calibrates {@code --verify} ({@code tve calibrate}, the zoo build's last step): the model's
 * in-distribution density, fitted on embeddings of training images grouped by a head's predictions
 * and thresholded on held-out images; the explainer's fit threshold on the same held-out images.
 * Both thresholds flag the same fraction (default 5 %) of those images. Writes
 * {@code in-distribution.json/.npy} into the model folder and {@code fit-calibration.json} into the
 * explainer folder. Prints nothing.
 *
 * <pre>{@code
 * VerifyCalibration.Result r = VerifyCalibration.builder().optFlagged(0.05).build()
 *     .run(model, modelDir, head, explainer, explainerDir, train, 10_000, validation, 2_000, "...", "...");
 * }</pre>
 */
public final class VerifyCalibration {
  /**
   * What was written.
   *
   * @param density the model's calibration
   * @param fit the explainer's, or null without one
   */
  public record Result(InDistribution density, FitCalibration fit) {}

  private final double flagged;
  private final int centres;
  private final long seed;

  private VerifyCalibration(Builder b) {
    flagged = b.flagged;
    centres = b.centres;
    seed = b.seed;
  }

  /** @return a builder: 5 % flagged, 4 centres, seed 1 */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param model the model
   * @param modelDir its folder (written)
   * @param grouping the head whose predicted classes group the fit's embeddings
   * @param explainer the explainer, or null
   * @param explainerDir its folder (written), or null
   * @param fitImages in-distribution images for the density's means and covariance
   * @param nFit how many of them (more than D)
   * @param heldOut in-distribution images neither saw, for the thresholds
   * @param nHeldOut how many of them
   * @param fitDescription what the fit images are, for the card
   * @param heldOutDescription what the held-out images are
   * @return what was written
   * @throws IOException when a file cannot be written
   */
  public Result run(TargetModel model, Path modelDir, Head grouping, ExplainerFiles.Loaded explainer, Path explainerDir, ImageSource fitImages, int nFit,
      ImageSource heldOut, int nHeldOut, String fitDescription, String heldOutDescription) throws IOException {
    if (explainer != null && explainer.card().objective().isGame()) {
      throw new IllegalArgumentException("tve calibrate calibrates a window explainer's fit check; a " + explainer.card().objective().label()
          + " explainer has no --verify fit check yet");
    }
    int d = model.encoder().dim();
    float[] fitEmb = embed(model, fitImages, nFit);
    int[] groups = new int[nFit];
    for (int i = 0; i < nFit; i++) groups[i] = grouping.argmax(fitEmb, i);
    InDistribution density = InDistribution.fit(fitEmb, groups, grouping.classNames().size(), d).calibrated(embed(model, heldOut, nHeldOut), flagged);
    density.save(modelDir, flagged, nFit + " " + fitDescription + ", grouped by the " + grouping.name() + " head's predictions",
        nHeldOut + " " + heldOutDescription, model.card() == null ? null : model.card().weightsSha256());
    FitCalibration fit = null;
    if (explainer != null) {
      MaskedTargets.Fill fill = explainer.card().training() == null ? MaskedTargets.Fill.ZERO : explainer.card().training().maskFill();
      Verification.Report r = Verification.measure(explainer.network(), model.encoder(), heldOut, 0, nHeldOut, centres, explainer.card().radius(), seed,
          fill.values(model.input().mean(), model.input().std()));
      fit = FitCalibration.of(r, flagged, explainer.card(), nHeldOut + " " + heldOutDescription + ", " + centres + " centres each");
      fit.save(explainerDir);
    }
    return new Result(density, fit);
  }

  /**
   * Calibrates a built-in scene model: the density fitted on train-split scenes past every index the
   * encoder, its probe and the zoo's heads used, grouped by {@code grouping}; thresholds on the
   * encoder's validation items. Both drawn as the encoder was trained (augmented when its card says so).
   *
   * @return what was written
   * @throws IOException when data cannot be read or a file written
   */
  public Result scenes(TargetModel model, Path modelDir, Head grouping, ExplainerFiles.Loaded explainer, Path explainerDir, Path fashionDir, int nFit,
      int nHeldOut) throws IOException {
    dev.tve.model.ModelCard card = model.card();
    dev.tve.image.LabeledImages train = dev.tve.image.FashionMnist.load(fashionDir, dev.tve.image.FashionMnist.Split.TRAIN);
    dev.tve.image.Splits splits = dev.tve.image.Splits.carve(train.size(), card.validationItems(), card.seed());
    boolean augmented = Boolean.TRUE.equals(card.notes().get("augmented"));
    float mean = card.input().mean()[0], std = card.input().std()[0];
    // Past the encoder's epochs, its probe's scenes and the 20,000 the zoo's heads learnt from.
    long first = (long) card.training().epochs() * card.training().scenesPerEpoch() + card.training().probeScenes() + 20_000;
    dev.tve.image.SceneBatches fit = new dev.tve.image.SceneBatches(dev.tve.image.SceneGenerator.builder(train, splits.train()).optSeed(card.seed())
        .optAugmentation(augmented).build(), mean, std);
    dev.tve.image.SceneBatches held = new dev.tve.image.SceneBatches(dev.tve.image.SceneGenerator.builder(train, splits.validation())
        .optSeed(card.seed() + 21).optAugmentation(augmented).build(), mean, std);
    String kind = augmented ? "augmented " : "";
    return run(model, modelDir, grouping, explainer, explainerDir, fit.range(first, nFit), nFit, held, nHeldOut,
        kind + "train-split scenes (indices " + first + ".., generator seed " + card.seed() + ")",
        kind + "scenes of the encoder's validation items (generator seed " + (card.seed() + 21) + ")");
  }

  /** Embeddings of images [0, n) of a source, batch by batch. */
  static float[] embed(TargetModel model, ImageSource images, int n) {
    if (images.count() < n) throw new IllegalArgumentException(n + " images asked of a source of " + images.count());
    int d = model.encoder().dim(), batch = 64, f = images.imageFloats();
    float[] out = new float[n * d], x = new float[batch * f];
    for (int done = 0; done < n; done += batch) {
      int b = Math.min(batch, n - done);
      images.fill(done, b, x);
      try (PointerScope scope = new PointerScope()) {
        float[] e = model.encoder().embed(NativeTensors.copyOf(x, 0, b, images.channels(), images.size(), images.size()));
        System.arraycopy(e, 0, out, done * d, b * d);
      }
    }
    return out;
  }

  /** Builder of {@link VerifyCalibration}. */
  public static final class Builder {
    private double flagged = 0.05;
    private int centres = 4;
    private long seed = 1;

    private Builder() {}

    /** @param v fraction of held-out in-distribution images each flag marks (default 0.05) @return this */
    public Builder optFlagged(double v) { flagged = v; return this; }
    /** @param v centres per image of the fit measurement (default 4) @return this */
    public Builder optCentres(int v) { centres = v; return this; }
    /** @param v seed of the centres (default 1) @return this */
    public Builder optSeed(long v) { seed = v; return this; }

    /** @return the calibration */
    public VerifyCalibration build() {
      if (!(flagged > 0 && flagged < 0.5) || centres < 1) throw new IllegalArgumentException("flagged " + flagged + " in (0, 0.5), centres " + centres);
      return new VerifyCalibration(this);
    }
  }
}
