package dev.tve.explain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a pre-trained explainer is, as a typed, versioned record: its sizes, the SHA-256 of the
 * encoder weights it was pre-trained against (loading it beside another encoder is an error), the
 * mask radius, the transfer rule's lambda+ / lambda- with how they were chosen, held-out fit, the
 * classes kept out of its pre-training, training settings, and its own weight hash. JSON beside the
 * weights, written atomically. Format 2 is written (it adds the trunk kind to the config, the
 * TorchScript trunk files and the held-out curve); formats 1 and 0 (no {@code formatVersion}) are read
 * as built-in ViT trunks.
 *
 * <pre>{@code
 * ExplainerCard card = ExplainerCard.read(dir.resolve(ExplainerFiles.CARD));
 * double seconds = card.trainingSeconds();   // FitCalibration, beside it, holds the --verify threshold
 * }</pre>
 *
 * @param formatVersion {@link #FORMAT_VERSION} for cards written now
 * @param kind "explainer"
 * @param config the network's sizes
 * @param encoderWeightsSha256 SHA-256 of the encoder weights file (or TorchScript file)
 * @param radius mask radius r in patches
 * @param lambdaPos the transfer rule's lambda+
 * @param lambdaNeg the transfer rule's lambda-
 * @param lambdaChoice how the lambdas were chosen
 * @param heldOut held-out fit on validation images: r2Keep, r2Remove, r2WithinKeep, r2WithinRemove, cosineKeep, cosineRemove, imageCosineP05
 * @param excludedClasses classes whose images were left out of pre-training
 * @param excludedNote what that exclusion means for this encoder
 * @param training how the explainer was pre-trained
 * @param weightsFile the weights file name, beside the card
 * @param weightsSha256 its SHA-256
 * @param projectVersion the project version that wrote the card
 * @param trunkFiles a TorchScript trunk's files (trunk.pt, and trunk-neg.pt when separate) with their SHA-256; empty for a ViT trunk
 * @param game for a Shapley or Banzhaf explainer ({@link Objective#isGame()}): the game it was pre-trained on and e(x_empty); null for
 *     a window explainer (and in cards of format 2 and before)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExplainerCard(int formatVersion, String kind, ExplainerNetwork.Config config, String encoderWeightsSha256, int radius,
    double lambdaPos, double lambdaNeg, String lambdaChoice, Map<String, Double> heldOut, List<String> excludedClasses,
    String excludedNote, Training training, String weightsFile, String weightsSha256, String projectVersion, Map<String, String> trunkFiles,
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Game game) {

  /** Null maps read as empty; a game explainer's card must say its game. */
  public ExplainerCard {
    trunkFiles = trunkFiles == null ? Map.of() : Map.copyOf(trunkFiles);
    if (config != null && config.isGame() && game == null) throw new IllegalArgumentException("a " + config.objective() + " explainer's card needs its game");
    if (config != null && game != null && !config.isGame()) throw new IllegalArgumentException("a window explainer has no game");
    if (config != null && game != null && !game.objective().equals(config.objective())) {
      throw new IllegalArgumentException("game objective " + game.objective() + " differs from the network's " + config.objective());
    }
    if (config != null && game != null && (game.grid() != config.grid() || game.emptyEmbedding().length != config.dim())) {
      throw new IllegalArgumentException("the game's grid " + game.grid() + " and e(x_empty) of " + game.emptyEmbedding().length
          + " values do not fit the network (grid " + config.grid() + ", D " + config.dim() + ")");
    }
  }

  /** The card format this code writes (3 adds the game of Shapley and Banzhaf explainers). */
  public static final int FORMAT_VERSION = 3;

  /**
   * The embedding game a Shapley or Banzhaf explainer was pre-trained on.
   *
   * @param objective shapley or banzhaf ({@link Objective#label()})
   * @param estimator how pre-training estimated the values ({@link Objective.Estimator#label()})
   * @param grid the players: the patches of a grid x grid map, row-major
   * @param fill what a removed patch became: "zero" (zero in normalised space: KernelSHAP's fill)
   * @param forwardsPerImage encoder passes per training image per step for the game's targets (besides e(x))
   * @param efficiency whether maps are corrected to sum exactly to f(x) - f(x_empty) (Shapley: yes; Banzhaf: no)
   * @param emptyEmbedding e(x_empty) [D]: the encoder's embedding of the all-fill image
   * @param computes what a map of this explainer is, in words (for reports and users)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Game(String objective, String estimator, int grid, String fill, int forwardsPerImage, boolean efficiency, float[] emptyEmbedding,
      String computes) {
    /** Checks the fields. */
    public Game {
      Objective o = Objective.parse(objective);
      if (!o.isGame()) throw new IllegalArgumentException("a game's objective is shapley or banzhaf, not " + objective);
      Objective.Estimator.parse(estimator);
      if (grid < 1) throw new IllegalArgumentException("game grid: " + grid);
      if (!"zero".equals(fill)) throw new IllegalArgumentException("game fill '" + fill + "': zero (KernelSHAP's) is the only one");
      if (emptyEmbedding == null || emptyEmbedding.length == 0) throw new IllegalArgumentException("the game has no e(x_empty)");
      for (float v : emptyEmbedding) if (!Float.isFinite(v)) throw new IllegalArgumentException("e(x_empty) is not finite");
      if (efficiency && o != Objective.SHAPLEY) throw new IllegalArgumentException("only a Shapley explainer is efficiency-corrected");
      emptyEmbedding = emptyEmbedding.clone();
    }

    /** @return the objective */
    public Objective objectiveKind() { return Objective.parse(objective); }

    /** @return e(x_empty), a copy */
    @Override public float[] emptyEmbedding() { return emptyEmbedding.clone(); }
  }

  /** @return the objective the explainer was pre-trained for (window for cards without a game) */
  public Objective objective() { return config == null ? Objective.WINDOW : config.objectiveKind(); }

  private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * How the explainer was pre-trained.
   *
   * @param steps optimizer steps
   * @param batch images per step
   * @param centres mask centres per image
   * @param lr learning rate
   * @param seed seed of the masks and the initialisation
   * @param init how the trunk started ("encoder": from the encoder's weights; "random")
   * @param threads libtorch threads
   * @param blasThreads OpenBLAS threads during pre-training
   * @param seconds wall time
   * @param lastLoss loss of the last step
   * @param meanLossLast100 mean loss of the last 100 steps
   * @param resumedFromStep the step a resumed run started from (0: none)
   * @param unreadableImages images of a folder that could not be read (0 for scenes)
   * @param heldOutCurve held-out R² as training went: rows [step, R² keep, R² remove] (empty when not measured)
   * @param fill what masked pixels became ({@link MaskedTargets.Fill}: zero, black, mixed; null in cards from before: zero)
   * @param timedFromStep {@code seconds} cover the steps after this one (0: all; null in cards from before: resumedFromStep)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Training(int steps, int batch, int centres, double lr, long seed, String init, int threads, int blasThreads, double seconds,
      double lastLoss, double meanLossLast100, long resumedFromStep, long unreadableImages, List<double[]> heldOutCurve, String fill,
      Long timedFromStep, String coalitions) {
    /** Null reads as empty. */
    public Training {
      heldOutCurve = heldOutCurve == null ? List.of() : List.copyOf(heldOutCurve);
    }

    /** @return the step after which {@code seconds} were timed (cards from before timed a resumed run's own steps only) */
    public long timedFrom() { return timedFromStep != null ? timedFromStep : resumedFromStep; }

    /** @return the fill pre-training used (zero for cards from before fills) */
    public MaskedTargets.Fill maskFill() { return MaskedTargets.Fill.parse(fill); }

    /** @return the coalitions pre-training kept outside the window (none for cards from before coalitions) */
    public MaskedTargets.Coalitions maskCoalitions() { return MaskedTargets.Coalitions.parse(coalitions); }
  }

  /**
   * A card in the current format.
   *
   * @param kind "explainer"
   * @param config the network's sizes
   * @param encoderWeightsSha256 SHA-256 of the encoder weights
   * @param radius mask radius
   * @param lambdaPos lambda+
   * @param lambdaNeg lambda-
   * @param lambdaChoice how they were chosen
   * @param heldOut held-out fit
   * @param excludedClasses classes left out of pre-training
   * @param excludedNote what that means
   * @param training how it was pre-trained
   * @param weightsFile weights file name (null until saved)
   * @param weightsSha256 its SHA-256 (null until saved)
   * @param projectVersion the writing project version
   * @return the card
   */
  public static ExplainerCard of(String kind, ExplainerNetwork.Config config, String encoderWeightsSha256, int radius, double lambdaPos, double lambdaNeg,
      String lambdaChoice, Map<String, Double> heldOut, List<String> excludedClasses, String excludedNote, Training training, String weightsFile,
      String weightsSha256, String projectVersion) {
    return new ExplainerCard(FORMAT_VERSION, kind, config, encoderWeightsSha256, radius, lambdaPos, lambdaNeg, lambdaChoice, heldOut, excludedClasses,
        excludedNote, training, weightsFile, weightsSha256, projectVersion, Map.of(), null);
  }

  /**
   * @param g the game of a Shapley or Banzhaf explainer
   * @return this card with it
   */
  public ExplainerCard withGame(Game g) {
    return new ExplainerCard(formatVersion, kind, config, encoderWeightsSha256, radius, lambdaPos, lambdaNeg, lambdaChoice, heldOut, excludedClasses,
        excludedNote, training, weightsFile, weightsSha256, projectVersion, trunkFiles, g);
  }

  /** @return the 5th percentile of per-image cosine on validation images (recorded at pre-training; --verify thresholds the fit error), NaN when not measured */
  public double imageCosineP05() {
    Double v = heldOut == null ? null : heldOut.get("validation.imageCosineP05");
    return v == null ? Double.NaN : v;
  }

  /**
   * @return pre-training seconds for all steps, NaN when not recorded; for a run resumed from a
   *     checkpoint that did not carry its time, scaled from the steps timed (see {@link #trainingSecondsEstimated})
   */
  public double trainingSeconds() {
    if (training == null) return Double.NaN;
    return trainingSecondsEstimated() ? training.seconds() * training.steps() / (training.steps() - training.timedFrom()) : training.seconds();
  }

  /** @return whether {@link #trainingSeconds} is scaled from part of the steps rather than measured for all */
  public boolean trainingSecondsEstimated() {
    return training != null && training.timedFrom() > 0 && training.timedFrom() < training.steps();
  }

  /** @return how {@link #trainingSeconds} was scaled, for a report; null when it was measured for all steps */
  public String trainingSecondsNote() {
    return trainingSecondsEstimated() ? String.format(java.util.Locale.ROOT, "scaled from steps %d-%d (%.0f s), timed in a run resumed from a "
        + "checkpoint that did not carry the earlier steps' time", training.timedFrom() + 1, training.steps(), training.seconds()) : null;
  }

  /**
   * @param file the weights file name
   * @param sha256 its SHA-256
   * @return this card for other weights
   */
  public ExplainerCard withWeights(String file, String sha256) {
    return new ExplainerCard(formatVersion, kind, config, encoderWeightsSha256, radius, lambdaPos, lambdaNeg, lambdaChoice, heldOut, excludedClasses,
        excludedNote, training, file, sha256, projectVersion, trunkFiles, game);
  }

  /**
   * @param files the TorchScript trunk files and their SHA-256
   * @return this card with them
   */
  public ExplainerCard withTrunkFiles(Map<String, String> files) {
    return new ExplainerCard(formatVersion, kind, config, encoderWeightsSha256, radius, lambdaPos, lambdaNeg, lambdaChoice, heldOut, excludedClasses,
        excludedNote, training, weightsFile, weightsSha256, projectVersion, files, game);
  }

  /**
   * @param pos lambda+
   * @param neg lambda-
   * @param choice how they were chosen
   * @return this card with other lambdas
   */
  public ExplainerCard withLambdas(double pos, double neg, String choice) {
    return new ExplainerCard(formatVersion, kind, config, encoderWeightsSha256, radius, pos, neg, choice, heldOut, excludedClasses,
        excludedNote, training, weightsFile, weightsSha256, projectVersion, trunkFiles, game);
  }

  /**
   * @param file where to write (temp file, then rename)
   * @throws IOException when it cannot be written
   */
  public void write(Path file) throws IOException {
    dev.tve.io.AtomicFiles.writeJson(file, this);
  }

  /**
   * @param file the card
   * @return the card, converted to the current format
   * @throws IOException when it cannot be read
   * @throws ModelFileException when it is not a valid explainer card
   */
  public static ExplainerCard read(Path file) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new ModelFileException(file, "not valid JSON (" + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ")");
    }
    if (!(n instanceof ObjectNode o)) throw new ModelFileException(file, "not an explainer card (a JSON object)");
    int version = o.path("formatVersion").asInt(0);
    if (version > FORMAT_VERSION) throw new ModelFileException(file, "card format " + version + " is newer than this engine's " + FORMAT_VERSION);
    o.put("formatVersion", FORMAT_VERSION);   // formats 0 to 2 lack only fields that default (a ViT trunk, no trunk files, no curve, no game)
    try {
      ExplainerCard c = JSON.treeToValue(o, ExplainerCard.class);
      if (c.config() == null) throw new ModelFileException(file, "the card has no network config");
      return c;
    } catch (JsonProcessingException | IllegalArgumentException e) {
      if (e instanceof ModelFileException m) throw m;
      throw new ModelFileException(file, "not a valid explainer card: " + oneLine(e));
    }
  }

  /** Jackson's message without its source excerpt and reference chain: one line. */
  private static String oneLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (m == null) m = e.getClass().getSimpleName();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
