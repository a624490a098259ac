package dev.tve.spark;

import dev.tve.batch.InputFiles;
import dev.tve.batch.OutputSchema;
import dev.tve.image.ImageFolder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * {@code tve spark-explain}: images (files and folders, local or any Hadoop file system) through
 * {@link TveTransformer} on Spark, written as Parquet in the batch output schema. Runs in-process
 * ({@code --master local[*]}, the launcher's way) or under {@code spark-submit --class
 * dev.tve.spark.SparkExplain} on a cluster.
 *
 * <pre>
 * tve spark-explain samples --out runs/spark-maps                 # local[*], the embedded zoo
 * tve spark-explain hdfs:///images --out hdfs:///maps --model /shared/scene-vit --explainer /shared/explainer
 * </pre>
 *
 * Exit status: 0 every image explained; 1 some images failed (each a row with its error, listed
 * on stderr); 2 bad arguments or a failed job (nothing written, or Spark's output left uncommitted).
 */
public final class SparkExplain {
  private SparkExplain() {}

  static final String USAGE = String.join("\n",
      "usage: tve spark-explain INPUT... --out OUT [options]",
      "  INPUT              image files or folders (walked recursively), local paths or URIs (hdfs:, s3a:, file:)",
      "  --out OUT          Parquet output folder (must not exist unless --overwrite)",
      "  --master M         Spark master (default: local[*] when not under spark-submit)",
      "  --model DIR        model folder (default: the embedded zoo); shipped files: its name, see README",
      "  --explainer DIR    explainer folder (default: the zoo's with the embedded model)",
      "  --method M         attribution method (default tve)",
      "  --head H[,H...]    heads (default: the model's default head)",
      "  --target T         pred, topk:K, all, class:N, ... (default pred)",
      "  --output O         logit (default) or probability",
      "  --seed S           seed of the methods' random draws (default 7)",
      "  --batch N          images per explainer call (default 64)",
      "  --threads N        libtorch threads per executor JVM (default 1)",
      "  --partitions N     input partitions (default: 2 per core of the cluster)",
      "  --partition-by C   output partition columns, comma-separated (e.g. head,status)",
      "  --overlays DIR     also write each image's overlay PNG into DIR (any Hadoop file system)",
      "  --overwrite        replace OUT");

  /** Parsed arguments. */
  record Args(List<String> inputs, String out, String master, String model, String explainer, String method, String heads, String target,
      String output, long seed, int batch, int threads, int partitions, List<String> partitionBy, String overlays, boolean overwrite) {

    static Args parse(String[] a) {
      List<String> inputs = new ArrayList<>();
      String out = null, master = null, model = "", explainer = "", method = "tve", heads = "", target = "pred", output = "logit";
      long seed = 7;
      int batch = 64, threads = 1, partitions = 0;
      List<String> partitionBy = List.of();
      String overlays = "";
      boolean overwrite = false;
      for (int i = 0; i < a.length; i++) {
        String k = a[i];
        if (!k.startsWith("--")) {
          inputs.add(k);
          continue;
        }
        if (k.equals("--overwrite")) {
          overwrite = true;
          continue;
        }
        if (i + 1 >= a.length) throw new IllegalArgumentException(k + ": needs a value");
        String v = a[++i];
        switch (k) {
          case "--out" -> out = v;
          case "--master" -> master = v;
          case "--model" -> model = v;
          case "--explainer" -> explainer = v;
          case "--method" -> method = v;
          case "--head", "--heads" -> heads = v;
          case "--target" -> target = v;
          case "--output" -> output = v.toLowerCase(Locale.ROOT);
          case "--seed" -> seed = Long.parseLong(v);
          case "--batch" -> batch = positive(k, v);
          case "--threads" -> threads = Integer.parseInt(v);
          case "--partitions" -> partitions = positive(k, v);
          case "--partition-by" -> partitionBy = List.of(v.split(","));
          case "--overlays" -> overlays = v;
          default -> throw new IllegalArgumentException("unknown option " + k);
        }
      }
      if (inputs.isEmpty()) throw new IllegalArgumentException("no INPUT");
      if (out == null) throw new IllegalArgumentException("--out is required");
      if (!output.equals("logit") && !output.equals("probability")) throw new IllegalArgumentException("--output " + output + ": logit or probability");
      return new Args(inputs, out, master, model, explainer, method, heads, target, output, seed, batch, threads, partitions, partitionBy, overlays,
          overwrite);
    }

    private static int positive(String k, String v) {
      int n = Integer.parseInt(v);
      if (n < 1) throw new IllegalArgumentException(k + " " + v + ": at least 1");
      return n;
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit status. */
  static int run(String[] argv, PrintStream out, PrintStream err) {
    if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h")) {
      out.println(USAGE);
      return argv.length == 0 ? 2 : 0;
    }
    Args a;
    try {
      a = Args.parse(argv);
    } catch (IllegalArgumentException e) {
      err.println("tve spark-explain: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (!a.overwrite() && isLocal(a.out()) && Files.exists(Path.of(a.out()))) {
      err.println("tve spark-explain: " + OutputSchema.printable(a.out()) + " exists (--overwrite replaces it); nothing was written.");
      return 2;
    }
    // Spark's overwrite deletes the whole folder: only one that holds nothing but a Spark output may go.
    if (a.overwrite() && isLocal(a.out()) && Files.isDirectory(Path.of(a.out()))) {
      try {
        String foreign = notSparkOutput(Path.of(a.out()));
        if (foreign != null) {
          err.println("tve spark-explain: " + OutputSchema.printable(a.out()) + " holds " + OutputSchema.printable(foreign) + ", which is not part of "
              + "a Spark output; --overwrite deletes the whole folder, so it replaces only a previous output; nothing was touched.");
          return 2;
        }
      } catch (java.io.IOException e) {
        err.println("tve spark-explain: cannot read " + OutputSchema.printable(a.out()) + " (" + e.getMessage() + "); nothing was touched.");
        return 2;
      }
    }
    long t0 = System.nanoTime();
    SparkSession.Builder b = SparkSession.builder().appName("tve spark-explain");
    if (a.master() != null) b.master(a.master());
    else if (System.getProperty("spark.master") == null) b.master("local[*]");
    SparkSession spark = b.getOrCreate();
    try {
      spark.sparkContext().setLogLevel("WARN");
      TveTransformer t = new TveTransformer().setContentCol("").setErrorCol("error").setModelDir(a.model()).setExplainerDir(a.explainer()).setMethod(a.method()).setHeads(a.heads())
          .setTarget(a.target()).setOutput(a.output()).setSeed(a.seed()).setBatchSize(a.batch()).setTorchThreads(a.threads())
          .setOverlayDir(a.overlays());
      Dataset<Row> images = images(spark, a.inputs());
      int parts = a.partitions() > 0 ? a.partitions() : 2 * spark.sparkContext().defaultParallelism();
      images = images.repartition(parts);
      long t1 = System.nanoTime();
      Dataset<Row> rows = t.transform(images);
      var w = rows.write().mode(a.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
      if (!a.partitionBy().isEmpty()) w = w.partitionBy(a.partitionBy().toArray(new String[0]));
      w.parquet(a.out());
      double job = (System.nanoTime() - t1) / 1e9;
      return summarise(spark.read().parquet(a.out()), a.out(), (System.nanoTime() - t0) / 1e9, job, out, err);
    } catch (RuntimeException e) {
      err.println("tve spark-explain: " + rootMessage(e) + "; the output is not complete.");
      return 2;
    } finally {
      spark.stop();
    }
  }

  /**
   * The image files under the inputs as rows {@code path, error}, listed on the driver; the executors
   * read the bytes. Local inputs (no scheme, or {@code file:}) are listed with {@code tve explain}'s
   * walker ({@link InputFiles}): folders recursively, image names only, each link followed once, and
   * what cannot be used (a FIFO, socket or device, a link loop, a dangling link, a missing input) a
   * row with its reason, never opened. Other file systems (hdfs:, s3a:, ...) are listed with Hadoop,
   * at most 64 folders deep. Every file is a row, so every file gets an output row (Spark's binaryFile
   * source drops empty files without a word). A file named twice is one row.
   */
  static Dataset<Row> images(SparkSession spark, List<String> inputs) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    java.util.LinkedHashMap<String, String> files = new java.util.LinkedHashMap<>();     // path -> reason it cannot be used, or null
    for (String in : inputs) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(in);
      String scheme = p.toUri().getScheme();
      try {
        if (scheme == null || scheme.equals("file")) {
          java.util.Set<String> keys = new java.util.HashSet<>();
          InputFiles.walk(List.of(Path.of(p.toUri().getPath())), item -> {
            if (item.error() == null && !keys.add(item.key())) return true;       // the same file by two names: one row
            files.putIfAbsent(new org.apache.hadoop.fs.Path(item.path().toAbsolutePath().normalize().toUri()).toString(), item.error());
            return true;
          });
          continue;
        }
        FileSystem fs = p.getFileSystem(conf);
        org.apache.hadoop.fs.Path q = fs.makeQualified(p);
        if (!fs.exists(q) || !fs.getFileStatus(q).isDirectory()) {
          files.putIfAbsent(q.toString(), null);
          continue;
        }
        List<String> found = new ArrayList<>();
        walk(fs, q, found, 0);
        java.util.Collections.sort(found);
        for (String f : found) files.putIfAbsent(f, null);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("tve-spark: cannot list " + in + ": " + e.getMessage(), e);
      }
    }
    List<Row> rows = new ArrayList<>(files.size());
    files.forEach((f, error) -> rows.add(org.apache.spark.sql.RowFactory.create(f, error)));
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType().add("path", "string", false).add("error", "string", true);
    return spark.createDataFrame(rows, schema);
  }

  /** Counts and failures from the written output; {@code job}: the explain-and-write job alone (no session start, listing or summary). */
  /**
   * Image files under a folder, recursively. Plain statuses, not {@code listFiles}' located ones:
   * on the local file system those read each file's permissions by running a shell command (20,000
   * files took about a minute).
   */
  private static void walk(FileSystem fs, org.apache.hadoop.fs.Path dir, List<String> out, int depth)
      throws java.io.IOException {
    if (depth > 64) throw new java.io.IOException(dir + ": folders nested more than 64 deep (a link loop?)");
    RemoteIterator<FileStatus> it = fs.listStatusIterator(dir);
    while (it.hasNext()) {
      FileStatus st = it.next();
      if (st.isDirectory()) walk(fs, st.getPath(), out, depth + 1);
      else if (ImageFolder.isImageName(Path.of(st.getPath().getName()))) out.add(st.getPath().toString());
    }
  }

  private static int summarise(Dataset<Row> written, String where, double seconds, double job, PrintStream out, PrintStream err) {
    Dataset<Row> perFile = written.groupBy(AttributionRows.FILE).agg(functions.first(AttributionRows.STATUS).as(AttributionRows.STATUS),
        functions.first(AttributionRows.ERROR).as(AttributionRows.ERROR), functions.count("*").as("rows"));
    long done = perFile.filter(functions.col(AttributionRows.STATUS).equalTo(OutputSchema.DONE)).count();
    Dataset<Row> failed = perFile.filter(functions.col(AttributionRows.STATUS).equalTo(OutputSchema.FAILED));
    long nFailed = failed.count();
    for (Row r : failed.orderBy(AttributionRows.FILE).limit(20).collectAsList()) {
      err.println("tve spark-explain: failed " + OutputSchema.printable(r.getString(0)) + ": " + OutputSchema.printable(r.getString(2)));
    }
    if (nFailed > 20) err.println("tve spark-explain: ... and " + (nFailed - 20) + " more failed (status = 'failed' in the output)");
    long maps = written.filter(functions.col(AttributionRows.STATUS).equalTo(OutputSchema.DONE)).count();
    out.printf(Locale.ROOT, "done %d images (%d maps), failed %d, in %.1f s (job %.1f s, %.1f img/s); wrote %s%n", done, maps, nFailed, seconds,
        job, (done + nFailed) / job, where);
    return nFailed > 0 ? 1 : 0;
  }

  /**
   * The first entry of {@code dir} that a Spark output does not have, or null: a Spark output holds
   * {@code _SUCCESS}, {@code part-*} files, their {@code .crc} checksums, Spark's {@code _temporary}
   * and commit markers, and partition folders {@code column=value} holding the same. No link.
   */
  static String notSparkOutput(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (Files.isSymbolicLink(p)) return n;
        if (Files.isDirectory(p)) {
          if (n.equals("_temporary")) continue;
          if (!n.contains("=") || n.startsWith("=")) return n + "/";
          String inner = notSparkOutput(p);
          if (inner != null) return n + "/" + inner;
          continue;
        }
        boolean spark = n.equals("_SUCCESS") || n.startsWith("part-") || n.startsWith("_committed_") || n.startsWith("_started_")
            || (n.startsWith(".") && n.endsWith(".crc"));
        if (!spark) return n;
      }
    }
    return null;
  }

  private static boolean isLocal(String out) {
    return !out.contains("://") && !out.startsWith("hdfs:") && !out.startsWith("s3a:") && !out.startsWith("gs:");
  }

  /** Our own reason when an executor gave one (Spark wraps it in its job-abort text), else Spark's first line. */
  static String rootMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      int at = m == null ? -1 : m.indexOf("tve-spark: ");
      if (at >= 0) return m.substring(at + "tve-spark: ".length()).lines().findFirst().orElse("");
    }
    String msg = e.getMessage();
    return msg == null ? e.toString() : msg.lines().findFirst().orElse(msg);
  }
}
