package dev.tve.explain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.io.AtomicFiles;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * When can an explainer's E+ / E- be trusted on an image? Its per-image fit error (the mean squared
 * error of E+ / E- against the encoder's real masked embeddings at a few random centres,
 * {@link Verification.Report#fitError}) against a threshold set on validation images of the
 * explainer's own kind, so that a set fraction of them (default 5 %) is flagged. Lower error is
 * better. Saved in the explainer folder as {@value #FILE}.
 *
 * <pre>{@code
 * Verification.Report r = Verification.measure(net, encoder, validation, 0, 1000, 4, 1, 7, fills);
 * FitCalibration c = FitCalibration.of(r, 0.05, card, "1,000 validation scenes");
 * }</pre>
 *
 * @param centres centres per image the calibration used (a check with fewer is noisier)
 * @param radius the mask radius
 * @param fill the mask fill ({@link MaskedTargets.Fill})
 * @param threshold the largest fit error counted as a fit
 * @param flaggedFraction the fraction of calibration images above it
 * @param calibratedOn what the calibration images were
 * @param explainerWeightsSha256 the explainer's weights
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FitCalibration(int centres, int radius, String fill, double threshold, double flaggedFraction, String calibratedOn,
    String explainerWeightsSha256) {
  /** The file in the explainer folder. */
  public static final String FILE = "fit-calibration.json";

  /**
   * @param r the measurement on validation images
   * @param flagged the fraction of them to flag
   * @param card the explainer's card
   * @param calibratedOn what the images were
   * @return the calibration
   */
  public static FitCalibration of(Verification.Report r, double flagged, ExplainerCard card, String calibratedOn) {
    String fill = card.training() == null ? "zero" : card.training().maskFill().label();
    return new FitCalibration(r.centres(), card.radius(), fill, Verification.percentile(r.fitError(), 1 - flagged), flagged, calibratedOn,
        card.weightsSha256());
  }

  /** Writes {@value #FILE} into the explainer folder (temp file, then rename). */
  public void save(Path explainerDir) throws IOException {
    AtomicFiles.writeJson(explainerDir.resolve(FILE), this);
  }

  /**
   * @param explainerDir the explainer folder
   * @param card its loaded card
   * @return the calibration, or null when the folder has none
   * @throws ModelFileException when it is there but for other weights or malformed
   */
  public static FitCalibration load(Path explainerDir, ExplainerCard card) {
    Path f = explainerDir.resolve(FILE);
    if (!Files.isRegularFile(f)) return null;
    FitCalibration c;
    try {
      dev.tve.model.ModelFolder.file(explainerDir, f, "(its own file)", FILE);      // a link out of the folder is refused
      c = new ObjectMapper().readValue(f.toFile(), FitCalibration.class);
    } catch (IOException e) {
      throw new ModelFileException(f, "unreadable: " + e.getMessage());
    }
    if (card.weightsSha256() != null && !card.weightsSha256().equals(c.explainerWeightsSha256())) {
      throw new ModelFileException(f, "calibrated for other explainer weights; recalibrate with tve calibrate");
    }
    if (!(c.threshold() > 0) || !Double.isFinite(c.threshold())) throw new ModelFileException(f, "threshold " + c.threshold());
    return c;
  }
}
