package dev.tve.spark;

import dev.tve.api.EncodedImage;
import dev.tve.api.ExplainOptions;
import dev.tve.api.Explanation;
import dev.tve.api.Tve;
import dev.tve.batch.BatchPipeline;
import dev.tve.batch.FileSink;
import dev.tve.batch.ImageResult;
import dev.tve.batch.InputFiles;
import dev.tve.batch.Manifest;
import dev.tve.batch.OutputSchema;
import dev.tve.model.ExplainedOutput;
import dev.tve.explain.Explainer;
import dev.tve.explain.MethodSettings;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;

/**
 * One partition's rows through the executor's engine, a batch at a time as Spark pulls them: memory
 * holds one batch of images and its rows, however large the partition.
 */
final class ExplainPartition implements Iterator<Row> {
  /** Test hook: called with the task's context before a partition starts (to inject a failure). */
  static volatile Consumer<TaskContext> beforePartition;

  private final Iterator<Row> in;
  private final JobSettings s;
  private final int pathIdx, contentIdx, errorIdx;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();
  private Tve tve;
  private ExplainOptions options;
  private String provenance;
  private Configuration hadoop;
  private dev.tve.image.ImageDecoder decoder;

  ExplainPartition(Iterator<Row> in, JobSettings s, int pathIdx, int contentIdx, int errorIdx) {
    this.in = in;
    this.s = s;
    this.pathIdx = pathIdx;
    this.contentIdx = contentIdx;
    this.errorIdx = errorIdx;
    Consumer<TaskContext> hook = beforePartition;
    if (hook != null) hook.accept(TaskContext.get());
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && in.hasNext()) nextBatch();
    return !ready.isEmpty();
  }

  @Override
  public Row next() {
    if (!hasNext()) throw new NoSuchElementException();
    return ready.poll();
  }

  private void nextBatch() {
    if (tve == null) open();
    List<EncodedImage> batch = new ArrayList<>(s.batchSize());
    while (batch.size() < s.batchSize() && in.hasNext()) {
      Row r = in.next();
      String name = r.isNullAt(pathIdx) ? "(no path)" : r.get(pathIdx).toString();
      if (errorIdx >= 0 && !r.isNullAt(errorIdx)) {      // the listing's reason (a FIFO, a link loop, ...): never opened
        ready.add(AttributionRows.failed(name, r.getString(errorIdx), provenance));
        continue;
      }
      try {
        byte[] bytes = contentIdx >= 0 ? (byte[]) r.get(contentIdx) : read(name);
        if (bytes == null) throw new IOException("no content");
        batch.add(new EncodedImage(name, bytes));
      } catch (dev.tve.image.ImageDataException e) {
        ready.add(AttributionRows.failed(name, e.reason(), provenance));
      } catch (IOException | RuntimeException e) {
        ready.add(AttributionRows.failed(name, "cannot read: " + e.getMessage(), provenance));
      }
    }
    List<Explanation> explained = tve.explainEncoded(batch, options);
    for (int i = 0; i < explained.size(); i++) {
      Explanation e = explained.get(i);
      if (!e.ok()) {
        ready.add(AttributionRows.failed(e.source(), e.error(), provenance));
        continue;
      }
      List<dev.tve.explain.Attribution> targets = e.attributions();
      ImageResult r = new ImageResult(e.source(), InputFiles.outputName(e.source()), targets, targets.isEmpty() ? 0 : targets.get(0).grid(), null,
          0, 0, 0, null, null);
      String bad = r.nonFinite();
      if (bad != null) {
        ready.add(AttributionRows.failed(e.source(), bad, provenance));  // never a NaN in the output
        continue;
      }
      String overlay = null;
      if (!s.overlayDir().isEmpty()) {
        try {
          overlay = writeOverlay(r, batch.get(i).bytes());
        } catch (IOException | RuntimeException ex) {
          ready.add(AttributionRows.failed(e.source(), "overlay: " + ex.getMessage(), provenance));
          continue;
        }
      }
      ready.addAll(AttributionRows.done(r, provenance, overlay));
    }
  }

  /**
   * Draws the image's overlay as {@code tve explain} does (on the original image) and writes it
   * under overlayDir as {@code NAME.overlay.png}: to a temporary file first, then renamed, so a
   * killed or retried task never leaves a half-written picture.
   */
  private String writeOverlay(ImageResult r, byte[] encoded) throws IOException {
    dev.tve.image.DecodedImage img = decoder.decode(encoded, java.nio.file.Path.of(r.name()));
    byte[] png = FileSink.overlayPng(BatchPipeline.withPicture(r, img, tve.preprocessing(), BatchPipeline.Pictures.ORIGINAL), true, s.output());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(s.overlayDir());
    if (hadoop == null) hadoop = new Configuration();
    FileSystem fs = dir.getFileSystem(hadoop);
    fs.setWriteChecksum(false);             // the local file system would add a .crc file beside each picture
    org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(dir, r.name() + ".overlay.png");
    TaskContext ctx = TaskContext.get();
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(dir, dev.tve.io.AtomicFiles.TEMP_PREFIX + r.name() + ".overlay.png."
        + (ctx == null ? 0 : ctx.taskAttemptId()) + ".tmp");
    try (java.io.OutputStream out = fs.create(tmp, true)) {
      out.write(png);
    }
    if (!fs.rename(tmp, dst)) {           // HDFS does not replace: a retried task's picture goes first
      fs.delete(dst, false);
      if (!fs.rename(tmp, dst)) throw new IOException("cannot rename " + tmp + " to " + dst);
    }
    return fs.makeQualified(dst).toString();
  }

  private void open() {
    tve = ExecutorEngines.get(s);
    decoder = dev.tve.image.ImageDecoder.create();
    options = ExplainOptions.builder().optMethod(s.method()).optHeads(s.heads()).optTarget(s.target())
        .optSettings(MethodSettings.builder().optOutput(ExplainedOutput.valueOf(s.output().toUpperCase(Locale.ROOT))).optSeed(s.seed()).build())
        .optBatchSize(s.batchSize()).build();
    provenance = provenance(tve, options);
  }

  /** The manifest header's settings for this job: method and its parameters, target, heads, seed, hashes, version. */
  static String provenance(Tve tve, ExplainOptions options) {
    Explainer e = tve.explainer(options);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("method", e.name());
    p.put("target", options.target().toString());
    List<String> heads = new ArrayList<>();
    if (options.heads().isEmpty()) heads.add(tve.defaultHead().name());
    else for (String h : options.heads()) heads.add(tve.model().head(h).name());
    p.put("heads", heads);
    p.putAll(e.parameters());
    Map<String, String> headHashes = new LinkedHashMap<>();
    for (String h : heads) if (tve.model().headSha256(h) != null) headHashes.put(h, tve.model().headSha256(h));
    p.putAll(OutputSchema.provenance(tve.model().card(), headHashes, tve.explainer() == null ? null : tve.explainer().card()));
    try {
      return Manifest.json().writeValueAsString(OutputSchema.header(p));
    } catch (IOException ex) {
      throw new IllegalStateException("tve-spark: provenance: " + ex.getMessage(), ex);
    }
  }

  /**
   * A path column's file, bounded before it is read as {@code tve explain} reads it: a local file
   * (no scheme, or {@code file:}) through {@link dev.tve.image.ImageDecoder#read} (regular files only,
   * never a FIFO or device, the decoder's byte limit); any other Hadoop file system's file only when
   * it is a file, within the same limit.
   */
  private byte[] read(String name) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(name);
    String scheme = p.toUri().getScheme();
    if (scheme == null || scheme.equals("file")) return decoder.read(java.nio.file.Path.of(p.toUri().getPath()));
    if (hadoop == null) hadoop = new Configuration();
    FileSystem fs = p.getFileSystem(hadoop);
    FileStatus st;
    try {
      st = fs.getFileStatus(p);
    } catch (java.io.FileNotFoundException e) {
      throw new IOException("no such file");
    }
    if (st.isDirectory()) throw new IOException("a folder");
    if (!st.isFile()) throw new IOException("not a regular file; not read");
    long max = decoder.maxBytes();
    if (st.getLen() > max) throw new IOException("file of " + st.getLen() + " bytes is over the limit of " + max);
    byte[] bytes;
    try (java.io.InputStream in = fs.open(p)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    }
    if (bytes.length > max) throw new IOException("file grew past the limit of " + max + " bytes while read");
    return bytes;
  }
}
