package dev.tve.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.io.AtomicFiles;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Is an input like the model's training data? The squared Mahalanobis distance of its embedding to
 * the nearest class mean under one shared covariance (Lee et al., NeurIPS 2018), fitted on embeddings
 * of training images grouped by the model's own predictions (no labels needed), with a threshold
 * calibrated on held-out in-distribution images so that a set fraction of them (default 5 %) is
 * flagged. Lower distance is more typical. Saved beside the model as {@value #CARD} and {@value #ARRAYS}.
 *
 * <pre>{@code
 * InDistribution d = InDistribution.fit(trainEmb, trainPred, 10, dim).calibrated(validationEmb, 0.05);
 * boolean typical = d.distance(embeddings, i) <= d.threshold();
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class InDistribution {
  /** The calibration's card, in the model folder. */
  public static final String CARD = "in-distribution.json";
  /** Class means [K, D] then the precision matrix [D, D], float32 rows. */
  public static final String ARRAYS = "in-distribution.npy";

  /**
   * What the model folder records.
   *
   * @param classes K groups (the fitting head's classes)
   * @param dim D
   * @param threshold the largest squared distance counted as in distribution
   * @param flaggedFraction the fraction of the calibration images above the threshold
   * @param fittedOn what the means and covariance were fitted on
   * @param calibratedOn what the threshold was set on
   * @param encoderWeightsSha256 the encoder the embeddings came from
   * @param arraysSha256 SHA-256 of {@value #ARRAYS}
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Card(int classes, int dim, double threshold, double flaggedFraction, String fittedOn, String calibratedOn,
      String encoderWeightsSha256, String arraysSha256) {}

  private final int classes, dim;
  private final double[] means;      // [K * D]
  private final double[] precision;  // [D * D]
  private final double threshold;

  private InDistribution(int classes, int dim, double[] means, double[] precision, double threshold) {
    this.classes = classes;
    this.dim = dim;
    this.means = means;
    this.precision = precision;
    this.threshold = threshold;
  }

  /**
   * Class means and the shared within-class covariance (shrunk towards its mean variance by 1e-3 so
   * that it inverts), without a threshold yet.
   *
   * @param embeddings [n, D]
   * @param groups [n] group of each row (e.g. a head's predicted class), 0..classes-1
   * @param classes K
   * @param dim D
   * @return the fitted density; {@link #calibrated} sets its threshold
   */
  public static InDistribution fit(float[] embeddings, int[] groups, int classes, int dim) {
    int n = groups.length;
    if (embeddings.length != n * dim || n <= dim) throw new IllegalArgumentException(n + " rows of " + dim + ": need more rows than dimensions");
    double[] means = new double[classes * dim];
    int[] count = new int[classes];
    for (int i = 0; i < n; i++) {
      count[groups[i]]++;
      for (int k = 0; k < dim; k++) means[groups[i] * dim + k] += embeddings[i * dim + k];
    }
    for (int c = 0; c < classes; c++) for (int k = 0; k < dim; k++) means[c * dim + k] /= Math.max(1, count[c]);
    double[] cov = new double[dim * dim];
    double[] v = new double[dim];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < dim; k++) v[k] = embeddings[i * dim + k] - means[groups[i] * dim + k];
      for (int a = 0; a < dim; a++) {
        double va = v[a];
        for (int b = a; b < dim; b++) cov[a * dim + b] += va * v[b];
      }
    }
    double trace = 0;
    for (int a = 0; a < dim; a++) {
      for (int b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b] /= n;
      trace += cov[a * dim + a];
    }
    for (int a = 0; a < dim; a++) cov[a * dim + a] += 1e-3 * trace / dim;
    // Groups nobody fell into have no mean: park them far away so they are never the nearest.
    for (int c = 0; c < classes; c++) if (count[c] == 0) Arrays.fill(means, c * dim, (c + 1) * dim, 1e30);
    return new InDistribution(classes, dim, means, invert(cov, dim), Double.NaN);
  }

  /**
   * This density with its threshold set at the (1 - flagged) quantile of the calibration rows'
   * distances.
   *
   * @param embeddings [m, D] held-out in-distribution rows
   * @param flagged the fraction of them to flag, e.g. 0.05
   * @return the calibrated density
   */
  public InDistribution calibrated(float[] embeddings, double flagged) {
    int m = embeddings.length / dim;
    double[] d = new double[m];
    for (int i = 0; i < m; i++) d[i] = distance(embeddings, i);
    Arrays.sort(d);
    int at = (int) Math.min(m - 1, Math.max(0, Math.ceil((1 - flagged) * m) - 1));
    return new InDistribution(classes, dim, means, precision, d[at]);
  }

  /** @return the largest squared distance counted as in distribution (NaN before calibration) */
  public double threshold() { return threshold; }
  public int dim() { return dim; }
  public int classes() { return classes; }

  /**
   * @param embeddings [n, D]
   * @param row which row
   * @return the squared Mahalanobis distance of that row to the nearest class mean
   */
  public double distance(float[] embeddings, int row) {
    double best = Double.POSITIVE_INFINITY;
    double[] v = new double[dim];
    for (int c = 0; c < classes; c++) {
      if (means[c * dim] >= 1e29) continue;
      for (int k = 0; k < dim; k++) v[k] = embeddings[row * dim + k] - means[c * dim + k];
      double s = 0;
      for (int a = 0; a < dim; a++) {
        double t = 0;
        for (int b = 0; b < dim; b++) t += precision[a * dim + b] * v[b];
        s += v[a] * t;
      }
      best = Math.min(best, s);
    }
    return best;
  }

  /**
   * @param embeddings [n, D]
   * @param row which row
   * @return whether its distance is within the threshold (false for a non-finite embedding)
   */
  public boolean inDistribution(float[] embeddings, int row) {
    double d = distance(embeddings, row);
    return Double.isFinite(d) && d <= threshold;
  }

  /**
   * Writes {@value #CARD} and {@value #ARRAYS} into the model folder (temp files, then renames).
   *
   * @param modelDir the model folder
   * @param flaggedFraction the calibration's flagged fraction
   * @param fittedOn what the fit saw
   * @param calibratedOn what the threshold saw
   * @param encoderWeightsSha256 the encoder's weights
   * @throws IOException when a file cannot be written
   */
  public void save(Path modelDir, double flaggedFraction, String fittedOn, String calibratedOn, String encoderWeightsSha256) throws IOException {
    float[] rows = new float[(classes + dim) * dim];
    for (int i = 0; i < means.length; i++) rows[i] = means[i] >= 1e29 ? Float.NaN : (float) means[i];
    for (int i = 0; i < precision.length; i++) rows[means.length + i] = (float) precision[i];
    Npy.write(modelDir.resolve(ARRAYS), NpyArray.ofFloats(rows, classes + dim, dim));
    AtomicFiles.writeJson(modelDir.resolve(CARD), new Card(classes, dim, threshold, flaggedFraction, fittedOn, calibratedOn, encoderWeightsSha256,
        ModelCard.sha256(modelDir.resolve(ARRAYS))));
  }

  /**
   * The model folder's calibration, or null when it has none.
   *
   * @param modelDir the model folder
   * @param encoderWeightsSha256 the loaded encoder's weights hash (a calibration of other weights is refused)
   * @return the density, or null
   * @throws ModelFileException when the files are there but wrong (hash, shape, other weights)
   */
  public static InDistribution load(Path modelDir, String encoderWeightsSha256) {
    Path card = modelDir.resolve(CARD), arrays = modelDir.resolve(ARRAYS);
    if (!Files.isRegularFile(card)) return null;
    try {
      ModelFolder.file(modelDir, card, "(its own file)", CARD);      // links out of the folder are refused
      ModelFolder.file(modelDir, card, "(its arrays)", ARRAYS);
      Card c = new ObjectMapper().readValue(card.toFile(), Card.class);
      if (encoderWeightsSha256 != null && c.encoderWeightsSha256() != null && !c.encoderWeightsSha256().equals(encoderWeightsSha256)) {
        throw new ModelFileException(card, "calibrated for other encoder weights (" + c.encoderWeightsSha256() + "); recalibrate with tve calibrate");
      }
      if (!Files.isRegularFile(arrays)) throw new ModelFileException(arrays, "missing (" + CARD + " names it)");
      if (!ModelCard.sha256(arrays).equals(c.arraysSha256())) throw new ModelFileException(arrays, "SHA-256 differs from " + CARD + "'s");
      NpyArray a = Npy.read(arrays);
      if (a.ndim() != 2 || a.dim(0) != c.classes() + c.dim() || a.dim(1) != c.dim()) {
        throw new ModelFileException(arrays, "shape " + Arrays.toString(a.shape()) + ", expected [" + (c.classes() + c.dim()) + ", " + c.dim() + "]");
      }
      if (!(c.threshold() > 0) || !Double.isFinite(c.threshold())) throw new ModelFileException(card, "threshold " + c.threshold());
      float[] rows = a.toFloatArray();
      int k = c.classes(), d = c.dim();
      double[] means = new double[k * d], precision = new double[d * d];
      for (int i = 0; i < means.length; i++) means[i] = Float.isNaN(rows[i]) ? 1e30 : rows[i];
      for (int i = 0; i < precision.length; i++) {
        precision[i] = rows[means.length + i];
        if (!Double.isFinite(precision[i])) throw new ModelFileException(arrays, "a non-finite precision entry");
      }
      return new InDistribution(k, d, means, precision, c.threshold());
    } catch (IOException e) {
      throw new ModelFileException(card, "unreadable: " + e.getMessage());
    }
  }

  /** Inverse of a symmetric positive-definite matrix by Cholesky. */
  static double[] invert(double[] a, int n) {
    double[] l = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i * n + j];
        for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
        if (i == j) {
          if (!(s > 0)) throw new IllegalArgumentException("covariance is not positive definite (pivot " + i + ": " + s + ")");
          l[i * n + i] = Math.sqrt(s);
        } else {
          l[i * n + j] = s / l[j * n + j];
        }
      }
    }
    double[] inv = new double[n * n], col = new double[n];
    for (int c = 0; c < n; c++) {
      // Solve L y = e_c, then L^T x = y.
      Arrays.fill(col, 0);
      col[c] = 1;
      for (int i = 0; i < n; i++) {
        double s = col[i];
        for (int k = 0; k < i; k++) s -= l[i * n + k] * col[k];
        col[i] = s / l[i * n + i];
      }
      for (int i = n - 1; i >= 0; i--) {
        double s = col[i];
        for (int k = i + 1; k < n; k++) s -= l[k * n + i] * col[k];
        col[i] = s / l[i * n + i];
      }
      for (int i = 0; i < n; i++) inv[i * n + c] = col[i];
    }
    return inv;
  }
}
