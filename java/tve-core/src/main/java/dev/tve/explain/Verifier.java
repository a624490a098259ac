package dev.tve.explain;

import dev.tve.model.InDistribution;
import dev.tve.model.TargetModel;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/**
 * {@code --verify}: two separate per-image flags. {@code explainerFit}: can the explainer's E+ / E-
 * be trusted on this image (its fit error at {@code centres} random centres against the encoder's
 * real masked embeddings, within the {@link FitCalibration} threshold); {@code inDistribution}: is the
 * image like the model's training data (its embedding's distance within the {@link InDistribution}
 * threshold). Each flag is null where its calibration is missing or, for the fit, where there is no
 * explainer; the raw scores are always reported.
 *
 * <pre>{@code
 * Verifier v = new Verifier(model, explainer.network(), explainer.card(), fit, density, 8);
 * List<Verifier.Verdict> verdicts = v.check(images, seed);
 * }</pre>
 *
 * Thread-safe as its networks are (inference only).
 */
public final class Verifier {
  /**
   * One image's verdict.
   *
   * @param centres centres of the fit check (0: not checked)
   * @param cosine mean cosine of E+ / E- against the real masked embeddings (NaN when not checked)
   * @param fitError mean squared error of E+ / E- against them (lower is better; NaN when not checked)
   * @param explainerFit fitError within the explainer's calibrated threshold; null without calibration
   * @param distance squared Mahalanobis distance of the embedding to the nearest class mean (lower is
   *     more typical; NaN without a calibration)
   * @param inDistribution distance within the model's calibrated threshold; null without calibration
   */
  public record Verdict(int centres, double cosine, double fitError, Boolean explainerFit, double distance, Boolean inDistribution) {
    /** @return both flags true; null when either is unknown */
    public Boolean trusted() {
      return explainerFit == null || inDistribution == null ? null : explainerFit && inDistribution;
    }
  }

  /** Centres per image of the fit check where no calibration sets them (the zoo calibrates at 4). */
  public static final int DEFAULT_CENTRES = 4;

  private final TargetModel model;
  private final ExplainerNetwork net;
  private final ExplainerCard card;
  private final FitCalibration fit;
  private final InDistribution density;
  private final int centres;
  private final float[][] fills;

  /**
   * @param model the model (its encoder embeds the images)
   * @param net the explainer network, or null (then only inDistribution is checked)
   * @param card its card (radius, fill), or null with net
   * @param fit the explainer's calibration, or null
   * @param density the model's calibration, or null
   * @param centres random centres per image for the fit check (ignored without an explainer); with a fit
   *     calibration, the count it was made with: its threshold bounds a mean over that many centres (a mean
   *     over more is less spread, over fewer more), so the calibrated flag rate holds at that count only
   * @throws IllegalArgumentException when centres differs from the fit calibration's
   */
  public Verifier(TargetModel model, ExplainerNetwork net, ExplainerCard card, FitCalibration fit, InDistribution density, int centres) {
    if (net != null && centres < 1) throw new IllegalArgumentException("verify centres: " + centres);
    if (net != null && fit != null && centres != fit.centres()) {
      throw new IllegalArgumentException("--verify " + centres + ": the explainer's fit threshold was calibrated at " + fit.centres()
          + " centres per image (" + FitCalibration.FILE + "), and holds at that count only; verify with " + fit.centres()
          + ", or recalibrate with tve calibrate --centres " + centres);
    }
    if (net != null && card == null) throw new IllegalArgumentException("an explainer network needs its card (radius, fill)");
    if (net != null && card.objective().isGame()) {
      throw new IllegalArgumentException("--verify checks a window explainer's E+ and E- against masked copies; a " + card.objective().label()
          + " explainer has no such check yet");
    }
    if (density != null && density.dim() != model.encoder().dim()) {
      throw new IllegalArgumentException("the in-distribution calibration is for D " + density.dim() + ", the encoder has D " + model.encoder().dim());
    }
    this.model = model;
    this.net = net;
    this.card = card;
    this.fit = fit;
    this.density = density;
    this.centres = net == null ? 0 : centres;
    float[] mean = model.input().mean(), std = model.input().std();
    this.fills = card == null || card.training() == null ? MaskedTargets.Fill.ZERO.values(mean, std) : card.training().maskFill().values(mean, std);
  }

  /**
   * @param key an input's key (its file's path)
   * @return the seed of its fit-check centres: the same for the same file in tve explain and tve predict
   */
  public static long seedOf(String key) {
    return key.hashCode();
  }

  /** @return centres per image of the fit check (0 without an explainer) */
  public int centres() { return centres; }

  /** @return the explainer's fit threshold (NaN without one) */
  public double fitThreshold() { return fit == null || net == null ? Double.NaN : fit.threshold(); }

  /** @return the model's distance threshold (NaN without one) */
  public double distanceThreshold() { return density == null ? Double.NaN : density.threshold(); }

  /** @return whether both flags can be given */
  public boolean calibrated() { return density != null && (net == null || fit != null); }

  /**
   * @param images a batch in the model's input format
   * @param seed the fit check's centres
   * @return one verdict per image, in order
   */
  public List<Verdict> check(Images images, long seed) {
    long[] seeds = new long[images.n()];
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int i = 0; i < seeds.length; i++) seeds[i] = r.nextLong();
    return check(images, seeds);
  }

  /**
   * @param images a batch in the model's input format
   * @param seeds one per image: its fit-check centres (an image keyed by its file gets the same
   *     verdict in any batch)
   * @return one verdict per image, in order
   */
  public List<Verdict> check(Images images, long[] seeds) {
    int n = images.n();
    float[] cos = null, err = null;
    if (net != null) {
      Verification.Report r = Verification.measure(net, model.encoder(), Verification.inMemory(images.x(), n, images.channels(), images.size()), 0, n,
          centres, card.radius(), seeds, fills);
      cos = r.cosine();
      err = r.fitError();
    }
    float[] emb = null;
    if (density != null) {
      try (PointerScope scope = new PointerScope()) {
        emb = model.encoder().embed(images.tensor());
      }
    }
    List<Verdict> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double e = err == null ? Double.NaN : err[i], d = emb == null ? Double.NaN : density.distance(emb, i);
      Boolean fits = err == null || fit == null ? null : Double.isFinite(e) && e <= fit.threshold();
      Boolean typical = emb == null ? null : density.inDistribution(emb, i);
      out.add(new Verdict(centres, cos == null ? Double.NaN : cos[i], e, fits, d, typical));
    }
    return out;
  }
}
