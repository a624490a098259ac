package dev.tve.spark;

import dev.tve.batch.ImageResult;
import dev.tve.batch.OutputSchema;
import dev.tve.explain.Attribution;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The batch output schema ({@link OutputSchema}, version {@value OutputSchema#VERSION}) as Spark rows:
 * one row per image and explained target, or one row for an image that could not be explained.
 *
 * <ul>
 *   <li>{@code file}: the image's path or name, as the input gave it;
 *   <li>{@code status}: {@code done} or {@code failed}; {@code error}: why, when failed;
 *   <li>{@code head}, {@code class}, {@code name}, {@code foil} (contrastive targets, else null),
 *       {@code probability} (the target's), {@code top_patch} (row-major grid index of the map's largest cell);
 *   <li>{@code predicted}, {@code predicted_name}, {@code predicted_probability}: the head's prediction;
 *   <li>{@code grid}: g; {@code map}: {@code array<float>}, g × g row-major, signed, in the explained
 *       output's units (what {@code tve explain} writes to {@code .maps.npy});
 *   <li>{@code target_index}: the target's position among the image's targets (the map order of
 *       {@code .maps.npy});
 *   <li>{@code overlay}: the image's overlay PNG (all its targets), when the job writes overlays;
 *   <li>{@code provenance}: the run's settings and hashes as JSON (the manifest header's {@code settings}).
 * </ul>
 */
public final class AttributionRows {
  private AttributionRows() {}

  public static final String FILE = OutputSchema.FILE, STATUS = OutputSchema.STATUS, ERROR = OutputSchema.ERROR, HEAD = OutputSchema.HEAD,
      CLASS = OutputSchema.CLASS, NAME = OutputSchema.NAME, FOIL = OutputSchema.FOIL, PROBABILITY = OutputSchema.PROBABILITY,
      TOP_PATCH = "top_patch", PREDICTED = "predicted", PREDICTED_NAME = "predicted_name", PREDICTED_PROBABILITY = "predicted_probability",
      GRID = OutputSchema.GRID, MAP = "map", TARGET_INDEX = "target_index", OVERLAY = OutputSchema.OVERLAY, PROVENANCE = "provenance";

  /** The rows' schema. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField(FILE, DataTypes.StringType, false),
      DataTypes.createStructField(STATUS, DataTypes.StringType, false),
      DataTypes.createStructField(ERROR, DataTypes.StringType, true),
      DataTypes.createStructField(HEAD, DataTypes.StringType, true),
      DataTypes.createStructField(TARGET_INDEX, DataTypes.IntegerType, true),
      DataTypes.createStructField(CLASS, DataTypes.IntegerType, true),
      DataTypes.createStructField(NAME, DataTypes.StringType, true),
      DataTypes.createStructField(FOIL, DataTypes.IntegerType, true),
      DataTypes.createStructField(PROBABILITY, DataTypes.FloatType, true),
      DataTypes.createStructField(TOP_PATCH, DataTypes.IntegerType, true),
      DataTypes.createStructField(PREDICTED, DataTypes.IntegerType, true),
      DataTypes.createStructField(PREDICTED_NAME, DataTypes.StringType, true),
      DataTypes.createStructField(PREDICTED_PROBABILITY, DataTypes.FloatType, true),
      DataTypes.createStructField(GRID, DataTypes.IntegerType, true),
      DataTypes.createStructField(MAP, DataTypes.createArrayType(DataTypes.FloatType, false), true),
      DataTypes.createStructField(OVERLAY, DataTypes.StringType, true),
      DataTypes.createStructField(PROVENANCE, DataTypes.StringType, false)});

  /**
   * The rows of one explained image, one per target.
   *
   * @param r the image's result (its maps finite: {@link ImageResult#nonFinite()} is null)
   * @param provenance the run's settings as JSON
   * @param overlay the overlay written for it, or null
   * @return its rows
   */
  public static List<Row> done(ImageResult r, String provenance, String overlay) {
    List<Row> rows = new ArrayList<>(r.targets().size());
    int t = 0;
    for (Attribution a : r.targets()) {
      rows.add(RowFactory.create(r.key(), OutputSchema.DONE, null, a.head(), t++, a.target(), a.targetName(), a.foil() >= 0 ? a.foil() : null,
          a.targetProbability(), a.topPatch(), a.predicted(), a.predictedName(), a.probability(), a.grid(), a.raw(), overlay, provenance));
    }
    return rows;
  }

  /**
   * @param file the image
   * @param reason why it could not be explained
   * @param provenance the run's settings as JSON
   * @return its failed row
   */
  public static Row failed(String file, String reason, String provenance) {
    Object[] v = new Object[SCHEMA.size()];  // every other column null
    v[SCHEMA.fieldIndex(FILE)] = file;
    v[SCHEMA.fieldIndex(STATUS)] = OutputSchema.FAILED;
    v[SCHEMA.fieldIndex(ERROR)] = reason;
    v[SCHEMA.fieldIndex(PROVENANCE)] = provenance;
    return RowFactory.create(v);
  }
}
