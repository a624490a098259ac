package dev.tve.spark;

import dev.tve.api.EmbeddedZoo;
import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.Methods;
import dev.tve.model.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType$;
import org.apache.spark.sql.types.StringType$;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Explains the images of a DataFrame with any method of the engine, on every executor: one row per
 * image and target in the batch output schema ({@link AttributionRows}), or one failed row per image
 * that cannot be used (never a failed job). Input: Spark's {@code binaryFile} source (columns
 * {@code path} and {@code content}) or any DataFrame with a column of paths (set {@code contentCol}
 * to "" to read them on the executors). Each executor JVM opens one engine, reused by its tasks;
 * its weights are checked against the hashes the driver saw.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("hdfs:///images");
 * Dataset<Row> maps = new TveTransformer()
 *     .setModelDir("/shared/models/scene-vit").setExplainerDir("/shared/models/explainer")
 *     .setHeads("ten-class").setTarget("topk:2").setBatchSize(64)
 *     .transform(images);
 * maps.write().partitionBy("head").parquet("hdfs:///maps");
 * }</pre>
 */
public final class TveTransformer extends Transformer {
  private static final long serialVersionUID = 1L;

  private final String uid;

  private final Param<String> modelDir;
  private final Param<String> explainerDir;
  private final Param<String> method;
  private final Param<String> heads;
  private final Param<String> target;
  private final Param<String> output;
  private final LongParam seed;
  private final IntParam batchSize;
  private final IntParam torchThreads;
  private final Param<String> contentCol;
  private final Param<String> pathCol;
  private final Param<String> errorCol;
  private final Param<String> modelSha256;
  private final Param<String> explainerSha256;
  private final Param<String> overlayDir;

  public TveTransformer() {
    this(Identifiable.randomUID("tve"));
  }

  public TveTransformer(String uid) {
    this.uid = uid;  // first: a Param takes its parent's uid when it is made
    modelDir = new Param<>(this, "modelDir", "model folder (encoder, card, heads); \"\" = the embedded zoo");
    explainerDir = new Param<>(this, "explainerDir",
      "explainer folder; \"\" = the zoo's with the embedded model, else none");
    method = new Param<>(this, "method", "attribution method: " + String.join(", ", Methods.KNOWN));
    heads = new Param<>(this, "heads", "heads to explain, comma-separated; \"\" = the model's default head");
    target = new Param<>(this, "target", "targets: pred, topk:K, all, class:N, ... (default pred)");
    output = new Param<>(this, "output", "explained output: logit or probability");
    seed = new LongParam(this, "seed", "seed of the methods' random draws");
    batchSize = new IntParam(this, "batchSize", "images per explainer call");
    torchThreads = new IntParam(this, "torchThreads", "libtorch threads per executor JVM (0 = libtorch's own)");
    contentCol = new Param<>(this, "contentCol", "column of encoded image bytes; \"\" = read the files of pathCol");
    pathCol = new Param<>(this, "pathCol", "column naming each image (a path or URI)");
    errorCol = new Param<>(this, "errorCol",
      "column of a listing's reason a row's input cannot be used (a FIFO, a link loop; null = usable); \"\" = none");
    modelSha256 = new Param<>(this, "modelSha256",
      "expected model weights hash; \"\" = the driver's (executors must match it)");
    explainerSha256 = new Param<>(this, "explainerSha256",
      "expected explainer weights hash; \"\" = the driver's (executors must match it)");
    overlayDir = new Param<>(this, "overlayDir", "folder (any Hadoop file system) for each image's overlay PNG; \"\" = none");
    setDefault(modelDir, "");
    setDefault(explainerDir, "");
    setDefault(method, "tve");
    setDefault(heads, "");
    setDefault(target, "pred");
    setDefault(output, "logit");
    setDefault(seed, 7L);
    setDefault(batchSize, 64);
    setDefault(torchThreads, 1);
    setDefault(contentCol, "content");
    setDefault(pathCol, "path");
    setDefault(errorCol, "");
    setDefault(modelSha256, "");
    setDefault(explainerSha256, "");
    setDefault(overlayDir, "");
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark finds a Params' parameters by reflection over public no-argument methods returning Param.
  public Param<String> modelDir() { return modelDir; }
  public Param<String> explainerDir() { return explainerDir; }
  public Param<String> method() { return method; }
  public Param<String> heads() { return heads; }
  public Param<String> target() { return target; }
  public Param<String> output() { return output; }
  public LongParam seed() { return seed; }
  public IntParam batchSize() { return batchSize; }
  public IntParam torchThreads() { return torchThreads; }
  public Param<String> contentCol() { return contentCol; }
  public Param<String> pathCol() { return pathCol; }
  public Param<String> errorCol() { return errorCol; }
  public Param<String> modelSha256() { return modelSha256; }
  public Param<String> explainerSha256() { return explainerSha256; }
  public Param<String> overlayDir() { return overlayDir; }

  public TveTransformer setModelDir(String v) { set(modelDir, v); return this; }
  public TveTransformer setExplainerDir(String v) { set(explainerDir, v); return this; }
  public TveTransformer setMethod(String v) { set(method, v); return this; }
  public TveTransformer setHeads(String v) { set(heads, v); return this; }
  public TveTransformer setTarget(String v) { set(target, v); return this; }
  public TveTransformer setOutput(String v) { set(output, v); return this; }
  public TveTransformer setSeed(long v) { set(seed, v); return this; }
  public TveTransformer setBatchSize(int v) { set(batchSize, v); return this; }
  public TveTransformer setTorchThreads(int v) { set(torchThreads, v); return this; }
  public TveTransformer setContentCol(String v) { set(contentCol, v); return this; }
  public TveTransformer setPathCol(String v) { set(pathCol, v); return this; }
  public TveTransformer setErrorCol(String v) { set(errorCol, v); return this; }
  public TveTransformer setModelSha256(String v) { set(modelSha256, v); return this; }
  public TveTransformer setExplainerSha256(String v) { set(explainerSha256, v); return this; }
  public TveTransformer setOverlayDir(String v) { set(overlayDir, v); return this; }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType in = dataset.schema();
    transformSchema(in);
    JobSettings s = jobSettings();
    int pathIdx = in.fieldIndex(s.pathCol());
    int contentIdx = s.contentCol().isEmpty() ? -1 : in.fieldIndex(s.contentCol());
    String err = getOrDefault(errorCol);
    int errorIdx = err.isEmpty() ? -1 : in.fieldIndex(err);
    MapPartitionsFunction<Row, Row> f = rows -> new ExplainPartition(rows, s, pathIdx, contentIdx, errorIdx);
    return dataset.toDF().mapPartitions(f, Encoders.row(AttributionRows.SCHEMA));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    require(schema, getOrDefault(pathCol), "a path or name column", StringType$.MODULE$);
    String content = getOrDefault(contentCol);
    if (!content.isEmpty()) require(schema, content, "a binary column of encoded images", BinaryType$.MODULE$);
    String err = getOrDefault(errorCol);
    if (!err.isEmpty()) require(schema, err, "a column of reasons an input cannot be used", StringType$.MODULE$);
    return AttributionRows.SCHEMA;
  }

  private static void require(StructType schema, String col, String what, org.apache.spark.sql.types.DataType type) {
    if (!Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException("tve-spark: no column " + col + " (" + what + ") in " + schema.simpleString());
    }
    StructField f = schema.apply(col);
    if (!f.dataType().equals(type)) {
      throw new IllegalArgumentException("tve-spark: column " + col + " is " + f.dataType().simpleString() + ", not " + type.simpleString());
    }
  }

  @Override
  public TveTransformer copy(ParamMap extra) {
    return (TveTransformer) defaultCopy(extra);
  }

  /** The parameters and the weight hashes as the driver sees them (read from the cards; no model is loaded here). */
  JobSettings jobSettings() {
    String m = getOrDefault(modelDir), x = getOrDefault(explainerDir), meth = getOrDefault(method);
    Methods.check(List.of(meth));
    Path model = m.isEmpty() ? EmbeddedZoo.locate().resolve("scene-vit") : ExecutorEngines.locate(m);
    Path explainer = !x.isEmpty() ? ExecutorEngines.locate(x) : m.isEmpty() ? EmbeddedZoo.locate().resolve("explainer") : null;
    if (explainer == null && Methods.needsExplainer(meth)) {
      throw new IllegalArgumentException("tve-spark: method " + meth + " needs an explainer folder (setExplainerDir)");
    }
    String ms = getOrDefault(modelSha256), xs = getOrDefault(explainerSha256);
    try {
      if (ms.isEmpty()) ms = ModelCard.read(model.resolve("encoder.card.json")).weightsSha256();
      if (xs.isEmpty() && explainer != null) xs = ExplainerCard.read(explainer.resolve(ExplainerFiles.CARD)).weightsSha256();
    } catch (IOException e) {
      throw new IllegalArgumentException("tve-spark: cannot read the model's cards: " + e.getMessage(), e);
    }
    List<String> hs = new ArrayList<>();
    for (String h : getOrDefault(heads).split(",")) if (!h.isBlank()) hs.add(h.strip());
    // Every head's weights hash as the driver reads it: executors that load other head weights fail the job.
    java.util.TreeMap<String, String> headHashes = new java.util.TreeMap<>();
    try {
      for (String h : ModelCard.read(model.resolve("encoder.card.json")).heads()) headHashes.put(h, dev.tve.model.Heads.weightsSha256(model, h));
    } catch (IOException e) {
      throw new IllegalArgumentException("tve-spark: cannot read the model's head cards: " + e.getMessage(), e);
    }
    return new JobSettings(m, x, ms, xs, meth, hs, getOrDefault(target), getOrDefault(output), (Long) getOrDefault(seed),
        (Integer) getOrDefault(batchSize), (Integer) getOrDefault(torchThreads), getOrDefault(contentCol), getOrDefault(pathCol),
        getOrDefault(overlayDir), headHashes);
  }
}
