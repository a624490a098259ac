package dev.tve.batch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.explain.Attribution;
import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.image.ImageDataException;
import dev.tve.image.ImageBatchReader;
import dev.tve.image.ImageDecoder;
import dev.tve.image.ImageFolder;
import dev.tve.image.Preprocessing;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.model.Head;
import dev.tve.render.Montage;
import dev.tve.render.Overlay;
import dev.tve.render.PngFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Explains files and folders of images in batches and writes, per image, an overlay PNG (every
 * target side by side, each captioned with head, class and probability) and the raw maps as
 * {@code .npy} [T, g, g]; per run, {@code manifest.jsonl} and {@code montage.png}. Folders are
 * walked lazily (never listed whole). Every output is written to a temp file and renamed; a run
 * started again with the same output folder skips the images its manifest already holds and
 * removes temp files a killed run left. A file that cannot be read is recorded in the manifest
 * with its reason, reported to the failure callback, and the run goes on.
 *
 * <pre>{@code
 * ExplainRun.Summary s = ExplainRun.builder(explainer, preprocessing, heads, out)
 *     .optTarget(TargetSpec.parse("topk:2")).optProgress(p -> ...).build().run(List.of(Path.of("samples")));
 * }</pre>
 *
 * One run belongs to one thread.
 */
public final class ExplainRun {
  /** After every batch: images done in this run (and skipped as already done), their rate. */
  public record Progress(long done, long skipped, long failed, double imagesPerSecond) {}

  public record Summary(long explained, long skipped, long failed, double seconds, Path manifest, Path montage) {}

  private final Explainer explainer;
  private final Preprocessing pre;
  private final List<? extends Head> heads;
  private final Path out;
  private final TargetSpec target;
  private final int batchSize;
  private final Overlay overlay;
  private final ImageBatchReader reader;
  private final Consumer<Progress> progress;
  private final Consumer<ImageDataException> onFailure;
  private final int montageTiles;
  private final int verifyCentres;
  private final int verifyRadius;
  private final double trustThreshold;
  private final Map<String, Object> provenance;

  private ExplainRun(Builder b) {
    explainer = b.explainer;
    pre = b.pre;
    heads = List.copyOf(b.heads);
    out = b.out;
    target = b.target;
    batchSize = b.batchSize;
    overlay = b.overlay;
    reader = new ImageBatchReader(b.decoder, b.pre);
    progress = b.progress;
    onFailure = b.onFailure;
    montageTiles = b.montageTiles;
    verifyCentres = b.verifyCentres;
    verifyRadius = b.verifyRadius;
    trustThreshold = b.trustThreshold;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("method", explainer.name());
    p.put("target", target.toString());
    p.putAll(explainer.parameters());
    p.putAll(b.provenance);
    provenance = java.util.Collections.unmodifiableMap(p);
  }

  /** What every output of this run records: method, parameters, kernel, and the caller's (hashes, version, seeds). */
  public Map<String, Object> provenance() {
    return provenance;
  }

  /**
   * @param explainer any method (TVE, a classic one, a floor)
   * @param pre the model's preprocessing
   * @param heads the heads to explain
   * @param out the output folder
   * @return a builder
   */
  public static Builder builder(Explainer explainer, Preprocessing pre, List<? extends Head> heads, Path out) {
    return new Builder(explainer, pre, heads, out);
  }

  public Summary run(List<Path> inputs) throws IOException {
    Files.createDirectories(out);
    removeStaleTemps();
    long t0 = System.nanoTime(), explained = 0, skipped = 0, failed = 0;
    try (Manifest manifest = Manifest.open(out.resolve("manifest.jsonl"))) {
      List<Path> pending = new ArrayList<>();
      java.util.Map<Path, String> names = new java.util.HashMap<>();
      for (Path input : inputs) {
        if (!Files.exists(input)) {
          failed++;
          fail(manifest, input, "no such file or folder");
          continue;
        }
        try (Stream<Path> files = list(input)) {
          Iterator<Path> it = files.iterator();
          while (it.hasNext()) {
            Path f = it.next();
            if (manifest.isDone(key(f), out)) {
              skipped++;
              continue;
            }
            pending.add(f);
            names.put(f, outputName(input, f));
            if (pending.size() == batchSize) {
              long[] r = batch(pending, manifest, names);
              explained += r[0];
              failed += r[1];
              pending.clear();
              report(explained, skipped, failed, t0);
            }
          }
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
      if (!pending.isEmpty()) {
        long[] r = batch(pending, manifest, names);
        explained += r[0];
        failed += r[1];
        report(explained, skipped, failed, t0);
      }
      Path montage = writeMontage(manifest);
      return new Summary(explained, skipped, failed, (System.nanoTime() - t0) / 1e9, manifest.file(), montage);
    }
  }

  private void report(long explained, long skipped, long failed, long t0) {
    if (progress != null) progress.accept(new Progress(explained, skipped, failed, explained / Math.max(1e-9, (System.nanoTime() - t0) / 1e9)));
  }

  /** A file itself, or the image files under a folder (lazily, directory order; close the stream). */
  public static Stream<Path> list(Path input) throws IOException {
    if (!Files.isDirectory(input)) return Stream.of(input);
    return Files.walk(input).filter(Files::isRegularFile).filter(ImageFolder::isImageName);
  }

  /** The manifest key of a file: its path as given (normalised). */
  private static String key(Path f) {
    return f.normalize().toString();
  }

  /**
   * Output base name: for a file under a folder input, the folder's name and the path below it
   * with separators flattened (samples/a/x.png -> samples_a_x), so equal names in two subfolders do
   * not collide; for a file input, its own name.
   */
  static String outputName(Path input, Path f) {
    String s;
    if (Files.isDirectory(input)) {
      Path root = input.toAbsolutePath().normalize();
      Path name = root.getFileName();
      s = (name == null ? "" : name + "/") + root.relativize(f.toAbsolutePath().normalize());
    } else {
      s = f.getFileName().toString();
    }
    s = s.replace('\\', '/');
    int dot = s.lastIndexOf('.');
    if (dot > s.lastIndexOf('/') + 1) s = s.substring(0, dot);
    return s.replace('/', '_').replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private long[] batch(List<Path> files, Manifest manifest, java.util.Map<Path, String> names) throws IOException {
    int size = pre.size(), s = pre.height();
    float[] x = new float[files.size() * size];
    List<ImageDataException> bad = new ArrayList<>();
    List<Path> ok = reader.readInto(files, x, bad::add);
    for (ImageDataException e : bad) {
      onFailure.accept(e);
      fail(manifest, e.file(), e.reason());
    }
    long failed = bad.size();
    if (ok.isEmpty()) return new long[] {0, failed};
    List<Attribution> maps;
    try (PointerScope scope = new PointerScope()) {
      maps = explainer.explain(Images.of(x, ok.size(), pre.channels(), s), heads, target);
    }
    float[] trust = null;
    if (verifyCentres > 0 && explainer instanceof TveExplainer tve) {
      // The self-check: real masked copies through the encoder against E+ / E- at random centres.
      trust = dev.tve.explain.Verification.measure(tve.network(), tve.model().encoder(),
          dev.tve.explain.Verification.inMemory(x, ok.size(), pre.channels(), s), 0, ok.size(), verifyCentres, verifyRadius,
          key(ok.get(0)).hashCode()).cosine();
    }
    int perImage = maps.size() / ok.size(), g = explainer.grid();
    for (int i = 0; i < ok.size(); i++) {
      Path f = ok.get(i);
      List<Attribution> mine = maps.subList(i * perImage, (i + 1) * perImage);
      String stem = names.get(f);
      float[] raw = new float[perImage * g * g];
      for (int j = 0; j < perImage; j++) System.arraycopy(mine.get(j).raw(), 0, raw, j * g * g, g * g);
      String rawName = stem + ".raw.npy", overlayName = stem + ".overlay.png";
      Npy.write(out.resolve(rawName), NpyArray.ofFloats(raw, perImage, g, g));
      byte[] px = displayPixels(x, i);
      try (PointerScope scope = new PointerScope()) {
        MatVector strip = new MatVector();
        List<Mat> tiles = new ArrayList<>();
        for (Attribution a : mine) {
          String cap = String.format(Locale.ROOT, "%s: %s%s %.2f", a.head(), a.targetName(), a.foil() >= 0 ? " vs " + a.foil() : "", a.targetProbability());
          tiles.add(overlay.draw(px, s, s, pre.channels(), a.map(), g, cap));
        }
        for (Mat m : tiles) strip.push_back(m);
        Mat row = new Mat();
        org.bytedeco.opencv.global.opencv_core.hconcat(strip, row);
        PngFiles.write(out.resolve(overlayName), row);
      }
      ObjectNode e = entry(f, mine, rawName, overlayName, g);
      if (trust != null) {
        ObjectNode v = e.putObject("verify");
        v.put("centres", verifyCentres);
        v.put("cosine", trust[i]);
        if (Double.isFinite(trustThreshold)) v.put("trusted", trust[i] >= trustThreshold);
      }
      manifest.append(e);
    }
    return new long[] {ok.size(), failed};
  }

  /** What the model saw, back in 8-bit: x * std + mean, HWC. */
  private byte[] displayPixels(float[] x, int image) {
    int c = pre.channels(), h = pre.height(), w = pre.width(), size = pre.size();
    float[] mean = pre.mean(), std = pre.std();
    byte[] px = new byte[h * w * c];
    for (int ch = 0; ch < c; ch++) {
      for (int q = 0; q < h * w; q++) {
        double v = (x[image * size + ch * h * w + q] * std[ch] + mean[ch]) * 255;
        px[q * c + ch] = (byte) Math.max(0, Math.min(255, Math.round(v)));
      }
    }
    return px;
  }

  private ObjectNode entry(Path f, List<Attribution> maps, String raw, String overlayFile, int g) {
    ObjectNode e = Manifest.json().createObjectNode();
    e.put("file", key(f));
    e.put("status", "ok");
    ObjectNode preds = e.putObject("predictions");
    ArrayNode targets = e.putArray("targets");
    for (Attribution a : maps) {
      if (!preds.has(a.head())) {
        ObjectNode p = preds.putObject(a.head());
        p.put("class", a.predicted());
        p.put("name", a.predictedName());
        p.put("probability", a.probability());
      }
      ObjectNode t = targets.addObject();
      t.put("head", a.head());
      t.put("class", a.target());
      t.put("name", a.targetName());
      if (a.foil() >= 0) t.put("foil", a.foil());
      t.put("probability", a.targetProbability());
      t.put("topPatch", a.topPatch());
    }
    e.put("grid", g);
    e.set("provenance", Manifest.json().valueToTree(provenance));
    e.put("raw", raw);
    e.put("overlay", overlayFile);
    e.putArray("outputs").add(raw).add(overlayFile);
    return e;
  }

  private void fail(Manifest manifest, Path f, String reason) throws IOException {
    ObjectNode e = Manifest.json().createObjectNode();
    e.put("file", key(f));
    e.put("status", "error");
    e.put("reason", reason);
    manifest.append(e);
  }

  /** A montage of the first overlays of the manifest (this run's and earlier runs'). */
  private Path writeMontage(Manifest manifest) throws IOException {
    List<Mat> tiles = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      for (ObjectNode e : manifest.entries()) {
        if (tiles.size() >= montageTiles) break;
        if (!"ok".equals(e.path("status").asText())) continue;
        Path p = out.resolve(e.path("overlay").asText());
        if (!Files.isRegularFile(p)) continue;
        Mat m = org.bytedeco.opencv.global.opencv_imgcodecs.imread(p.toString());
        if (m != null && !m.empty()) tiles.add(m);
      }
      if (tiles.isEmpty()) return null;
      Path file = out.resolve("montage.png");
      int columns = (int) Math.ceil(Math.sqrt(tiles.size() * 2.0 / Math.max(1, tiles.get(0).cols() / Math.max(1, tiles.get(0).rows()))));
      PngFiles.write(file, Montage.tile(tiles, Math.max(1, Math.min(8, columns))));
      return file;
    }
  }

  private void removeStaleTemps() throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, p -> p.getFileName().toString().endsWith(".tmp"))) {
      for (Path p : ds) Files.deleteIfExists(p);
    }
  }

  /** Builder of {@link ExplainRun}. */
  public static final class Builder {
    private final Explainer explainer;
    private final Preprocessing pre;
    private final List<? extends Head> heads;
    private final Path out;
    private TargetSpec target = TargetSpec.predicted();
    private int batchSize = 32;
    private Overlay overlay = Overlay.builder().build();
    private ImageDecoder decoder = ImageDecoder.create();
    private Consumer<Progress> progress;
    private Consumer<ImageDataException> onFailure = e -> {};
    private int montageTiles = 32;
    private int verifyCentres = 0;
    private int verifyRadius = 1;
    private double trustThreshold = Double.NaN;
    private final Map<String, Object> provenance = new LinkedHashMap<>();

    private Builder(Explainer explainer, Preprocessing pre, List<? extends Head> heads, Path out) {
      if (heads.isEmpty()) throw new IllegalArgumentException("heads: none");
      if (pre.height() != pre.width()) throw new IllegalArgumentException("preprocessing must give square images");
      this.explainer = explainer;
      this.pre = pre;
      this.heads = heads;
      this.out = out;
    }

    public Builder optTarget(TargetSpec v) { target = v; return this; }
    /** Images per explainer pass (default 32). */
    public Builder optBatchSize(int v) { batchSize = v; return this; }
    public Builder optOverlay(Overlay v) { overlay = v; return this; }
    public Builder optDecoder(ImageDecoder v) { decoder = v; return this; }
    public Builder optProgress(Consumer<Progress> v) { progress = v; return this; }
    /** Called for every file that cannot be used (besides its manifest line). */
    public Builder optFailure(Consumer<ImageDataException> v) { onFailure = v; return this; }
    public Builder optMontageTiles(int v) { montageTiles = v; return this; }
    /** Adds provenance fields (model and explainer hashes, version, seeds) to every manifest line. */
    public Builder optProvenance(Map<String, Object> v) { provenance.putAll(v); return this; }
    /**
     * The self-check: for {@code centres} random centres per image, run the encoder on the real
     * masked copies (mask radius {@code radius}) and record in the manifest how well E+ / E-
     * predicted them (mean cosine), flagged untrusted below {@code threshold} (NaN: no flag).
     */
    public Builder optVerify(int centres, int radius, double threshold) {
      verifyCentres = centres;
      verifyRadius = radius;
      trustThreshold = threshold;
      return this;
    }

    public ExplainRun build() {
      if (batchSize < 1) throw new IllegalArgumentException("batch: " + batchSize);
      return new ExplainRun(this);
    }
  }
}
