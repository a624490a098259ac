package dev.tve.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tve.api.EmbeddedZoo;
import dev.tve.api.ExplainOptions;
import dev.tve.api.Tve;
import dev.tve.batch.ExplainRun;
import dev.tve.batch.FileSink;
import dev.tve.batch.Manifest;
import dev.tve.explain.TargetSpec;
import dev.tve.io.Npy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer on local[2] (3 attempts per task) over the shipped samples and broken inputs. */
class TveTransformerTest {
  /** As BatchInvarianceTest's bound: maps may differ between batchings by float rounding only. */
  static final double RELATIVE_BOUND = 1e-4;

  static SparkSession spark;
  static Path samples;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2,3]").appName("tve-spark-test").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("samples"))) root = root.getParent();
    samples = root.resolve("samples");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @AfterEach
  void noFaults() {
    ExplainPartition.beforePartition = null;
  }

  /** The command's input: the files listed on the driver, one path per row (read on the executors). */
  private static Dataset<Row> images(Path... dirs) {
    String[] s = new String[dirs.length];
    for (int i = 0; i < dirs.length; i++) s[i] = dirs[i].toString();
    return SparkExplain.images(spark, List.of(s));
  }

  /** A transformer reading the path column's files, taking the listing's reasons. */
  private static TveTransformer onPaths() {
    return new TveTransformer().setContentCol("").setErrorCol("error");
  }

  private static String canonical(String file) throws Exception {
    return (file.startsWith("file:") ? Path.of(URI.create(file)) : Path.of(file)).toRealPath().toString();
  }

  @Test
  void mapsEqualTveExplainsRawMapsOnTheSamples(@TempDir Path tmp) throws Exception {
    // Spark's binaryFile source (path, content): the bytes travel in the rows.
    Dataset<Row> binary = spark.read().format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", "*.{png,jpg}")
        .load(samples.toString());
    List<Row> rows = new TveTransformer().setBatchSize(5).transform(binary.repartition(2)).collectAsList();
    Map<String, float[]> spark = new HashMap<>();
    for (Row r : rows) {
      assertThat(r.<String>getAs(AttributionRows.STATUS)).as(r.<String>getAs(AttributionRows.ERROR)).isEqualTo("done");
      spark.put(canonical(r.getAs(AttributionRows.FILE)), toFloats(r.getList(r.fieldIndex(AttributionRows.MAP))));
    }
    // tve explain's run (the batch pipeline into files), batch 64, on the same files.
    Path out = tmp.resolve("cli");
    try (Tve tve = Tve.openDefault()) {
      ExplainRun.builder(tve.explainer(ExplainOptions.defaults()), tve.preprocessing(), List.of(tve.defaultHead()), out)
          .optTarget(TargetSpec.parse("pred")).optOutputs(FileSink.Outputs.MAPS).optMontageTiles(0).build().run(List.of(samples));
    }
    int compared = 0;
    for (String line : Files.readAllLines(out.resolve(ExplainRun.MANIFEST))) {
      JsonNode e = Manifest.json().readTree(line);
      if (!e.has("file")) continue;
      float[] cli = Npy.read(out.resolve(e.get("maps").asText())).toFloatArray();
      float[] mine = spark.get(e.get("file").asText());
      assertThat(mine).as(e.get("file").asText()).isNotNull().hasSize(cli.length);
      double scale = 0, diff = 0;
      for (int i = 0; i < cli.length; i++) {
        scale = Math.max(scale, Math.abs(cli[i]));
        diff = Math.max(diff, Math.abs(cli[i] - mine[i]));
      }
      assertThat(diff / scale).as(e.get("file").asText()).isLessThanOrEqualTo(RELATIVE_BOUND);
      compared++;
    }
    assertThat(compared).isEqualTo(spark.size()).isGreaterThanOrEqualTo(16);
    assertThat(rows.get(0).<String>getAs(AttributionRows.PROVENANCE)).contains("\"schema\":\"tve.manifest\"", "modelWeightsSha256", "\"method\":\"tve\"");
  }

  static final AtomicInteger INJECTED = new AtomicInteger();

  @Test
  void aTaskThatFailsOnItsFirstAttemptIsRetriedAndTheOutputHoldsEveryImageOnce(@TempDir Path tmp) {
    INJECTED.set(0);
    ExplainPartition.beforePartition = ctx -> {
      if (ctx.attemptNumber() == 0 && ctx.partitionId() == 1) {
        INJECTED.incrementAndGet();
        throw new IllegalStateException("injected failure of partition 1, attempt 0");
      }
    };
    Path out = tmp.resolve("maps");
    onPaths().setBatchSize(4).transform(images(samples).repartition(3)).write().parquet(out.toString());
    Dataset<Row> back = spark.read().parquet(out.toString());
    long files = back.select(AttributionRows.FILE).distinct().count();
    assertThat(INJECTED.get()).isEqualTo(1);
    assertThat(files).isGreaterThanOrEqualTo(16);
    assertThat(back.count()).isEqualTo(files);  // one target each: every image exactly once
    assertThat(back.filter(functions.col(AttributionRows.STATUS).notEqual("done")).count()).isZero();
  }

  @Test
  void fifosDevicesAndLinkLoopsAreFailedRowsWithReasonsAndTheJobFinishes(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("in"));
    Files.copy(samples.resolve("scene-00.png"), dir.resolve("good.png"));
    Path fifo = dir.resolve("pipe.png"), direct = tmp.resolve("direct.png");
    for (Path f : List.of(fifo, direct)) {
      assertThat(new ProcessBuilder("mkfifo", f.toString()).start().waitFor()).isZero();
    }
    Files.createSymbolicLink(dir.resolve("null.png"), Path.of("/dev/null"));      // a device behind a link
    Files.createSymbolicLink(dir.resolve("loop"), dir);                           // a folder that links back to itself
    Map<String, Row> byName = new HashMap<>();
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofMinutes(3), () -> {
      Dataset<Row> in = SparkExplain.images(spark, List.of(dir.toString(), direct.toString()));
      assertThat(in.count()).isEqualTo(5);                                        // one row per input: good, pipe, null, loop, direct
      for (Row r : onPaths().transform(in).collectAsList()) {
        byName.put(Path.of(URI.create(r.getAs(AttributionRows.FILE))).getFileName().toString(), r);
      }
    });
    assertThat(byName).containsOnlyKeys("good.png", "pipe.png", "null.png", "loop", "direct.png");
    assertThat(byName.get("good.png").<String>getAs(AttributionRows.STATUS)).isEqualTo("done");
    for (String f : List.of("pipe.png", "null.png", "direct.png")) {
      assertThat(byName.get(f).<String>getAs(AttributionRows.STATUS)).isEqualTo("failed");
      assertThat(byName.get(f).<String>getAs(AttributionRows.ERROR)).isEqualTo(dev.tve.batch.InputFiles.SPECIAL);
    }
    assertThat(byName.get("loop").<String>getAs(AttributionRows.ERROR)).contains("link loop");
  }

  @Test
  void aBadImageIsAFailedRowNotAFailedJob(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("in"));
    Files.copy(samples.resolve("scene-00.png"), dir.resolve("good.png"));
    Files.write(dir.resolve("bad.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Files.write(dir.resolve("empty.jpg"), new byte[0]);  // Spark's binaryFile would drop it without a word
    Map<String, Row> byName = new HashMap<>();
    for (Row r : onPaths().transform(images(dir)).collectAsList()) {
      byName.put(Path.of(URI.create(r.getAs(AttributionRows.FILE))).getFileName().toString(), r);
      assertThat(r.<String>getAs(AttributionRows.PROVENANCE)).contains("modelWeightsSha256");
    }
    assertThat(byName).containsOnlyKeys("good.png", "bad.png", "empty.jpg");
    assertThat(byName.get("good.png").<String>getAs(AttributionRows.STATUS)).isEqualTo("done");
    for (String bad : List.of("bad.png", "empty.jpg")) {
      Row r = byName.get(bad);
      assertThat(r.<String>getAs(AttributionRows.STATUS)).isEqualTo("failed");
      assertThat(r.<String>getAs(AttributionRows.ERROR)).isNotBlank();
      assertThat(r.isNullAt(r.fieldIndex(AttributionRows.MAP))).isTrue();
    }
  }

  @Test
  void overlaysAreWrittenByTheExecutorsCompleteAndNamedInTheRows(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("overlays");
    List<Row> rows = onPaths().setOverlayDir(dir.toString()).setHeads("ten-class,coarse").transform(images(samples).limit(3).repartition(2))
        .collectAsList();
    assertThat(rows).hasSize(6);
    java.util.Set<String> named = new java.util.HashSet<>();
    for (Row r : rows) named.add(Path.of(URI.create(r.getAs(AttributionRows.OVERLAY))).getFileName().toString());
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      List<String> written = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertThat(written).hasSize(3).allMatch(n -> n.endsWith(".overlay.png")).containsExactlyInAnyOrderElementsOf(named);  // no temp left
    }
    for (String n : named) {
      byte[] png = Files.readAllBytes(dir.resolve(n));
      assertThat(png).startsWith(0x89, 'P', 'N', 'G');
      org.bytedeco.opencv.opencv_core.Mat m = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(new org.bytedeco.opencv.opencv_core.Mat(
          new org.bytedeco.javacpp.BytePointer(png)), org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR);
      assertThat(m.cols()).isGreaterThan(2 * m.rows());  // two targets side by side, with a colour bar
    }
  }

  @Test
  void aModelWhoseHashDiffersOnAnExecutorFailsTheJobSayingSo() {
    String other = "0".repeat(64);
    TveTransformer t = onPaths().setModelSha256(other);
    assertThatThrownBy(() -> t.transform(images(samples)).count())
        .satisfies(e -> assertThat(SparkExplain.rootMessage(e)).contains("has weights sha256", "the driver's has " + other));
  }

  @Test
  void allTargetsOfSeveralHeadsComeInTheMapOrderOfTveExplain() throws Exception {
    int ten, coarse;
    try (Tve tve = Tve.openDefault()) {
      ten = tve.model().head("ten-class").classes();
      coarse = tve.model().head("coarse").classes();
    }
    List<Row> rows = onPaths().setHeads("ten-class,coarse").setTarget("all").transform(images(samples).limit(3)).collectAsList();
    assertThat(rows).hasSize(3 * (ten + coarse));
    Map<String, Integer> perFile = new HashMap<>();
    for (Row r : rows) {
      int t = perFile.merge(r.getAs(AttributionRows.FILE), 1, Integer::sum) - 1;
      assertThat(r.<Integer>getAs(AttributionRows.TARGET_INDEX)).isEqualTo(t);
      assertThat(r.<String>getAs(AttributionRows.HEAD)).isEqualTo(t < ten ? "ten-class" : "coarse");
      int g = r.getAs(AttributionRows.GRID);
      assertThat(r.getList(r.fieldIndex(AttributionRows.MAP))).hasSize(g * g);
    }
  }

  @Test
  void theCommandWritesParquetAndRefusesAnExistingOutput(@TempDir Path tmp) throws Exception {
    spark.stop();  // the command starts (and stops) its own session
    try {
      String out = tmp.resolve("maps").toString();
      java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream(), e = new java.io.ByteArrayOutputStream();
      int rc = SparkExplain.run(new String[] {samples.toString(), "--out", out, "--master", "local[2]", "--partition-by", "head"},
          new java.io.PrintStream(o), new java.io.PrintStream(e));
      assertThat(rc).as(e.toString()).isZero();
      assertThat(o.toString()).containsPattern("done (\\d+) images \\(\\1 maps\\), failed 0");
      assertThat(tmp.resolve("maps/head=ten-class")).isDirectory();
      assertThat(tmp.resolve("maps/_SUCCESS")).exists();
      assertThat(SparkExplain.run(new String[] {samples.toString(), "--out", out}, new java.io.PrintStream(o), new java.io.PrintStream(e))).isEqualTo(2);
      assertThat(e.toString()).contains("exists");
      // --overwrite replaces a previous output (Spark deletes the folder), and only that: a user's folder is refused, untouched.
      Path users = Files.createDirectories(tmp.resolve("users"));
      Files.writeString(users.resolve("data.tmp"), "the user's data");
      Files.createDirectories(users.resolve("keep.tmp"));
      Files.createDirectories(users.resolve("sub"));
      Files.writeString(users.resolve("sub/a.txt"), "a");
      e.reset();
      assertThat(SparkExplain.run(new String[] {samples.resolve("scene-00.png").toString(), "--out", users.toString(), "--overwrite", "--master",
          "local[1]"}, new java.io.PrintStream(o), new java.io.PrintStream(e))).isEqualTo(2);
      assertThat(e.toString()).contains("not part of a Spark output").contains("nothing was touched");
      assertThat(Files.readString(users.resolve("data.tmp"))).isEqualTo("the user's data");
      assertThat(Files.readString(users.resolve("sub/a.txt"))).isEqualTo("a");
      assertThat(users.resolve("keep.tmp")).isDirectory();
      assertThat(SparkExplain.notSparkOutput(tmp.resolve("maps"))).isNull();
      assertThat(SparkExplain.run(new String[] {samples.resolve("scene-00.png").toString(), "--out", out, "--overwrite", "--master", "local[1]"},
          new java.io.PrintStream(o), new java.io.PrintStream(e))).as(e.toString()).isZero();
    } finally {
      start();
    }
  }

  static float[] toFloats(List<Object> l) {
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) f[i] = (Float) l.get(i);
    return f;
  }

  static {
    EmbeddedZoo.locate();
  }
}
