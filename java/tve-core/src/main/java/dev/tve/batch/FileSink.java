package dev.tve.batch;

import dev.tve.explain.Attribution;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.render.Montage;
import dev.tve.render.PngFiles;
import dev.tve.render.SignedOverlay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The files of {@code tve explain} ({@link OutputSchema}): per image {@code NAME.maps.npy} and, when
 * asked, {@code NAME.overlay.png} (every target's signed map over the image, on one scale shared by the
 * image's targets unless asked per target, with a colour bar); per run the manifest and
 * {@code montage.png}, built from this run's overlays in memory (the first {@code montageTiles} by
 * path, each captioned with its file name).
 *
 * <pre>{@code
 * try (Manifest m = Manifest.open(out.resolve("manifest.jsonl"), settings, false);
 *      FileSink sink = new FileSink(out, m, new SignedOverlay(0.6), true, "logit", FileSink.Outputs.BOTH, 32)) {
 *   sink.done(result);
 * }
 * }</pre>
 */
public final class FileSink implements ResultSink {
  /** What is written per image. */
  public enum Outputs {
    /** The maps only. */
    MAPS,
    /** The overlay picture only (the maps still go in the manifest's numbers: predictions and top patches). */
    OVERLAYS,
    /** Both. */
    BOTH;

    boolean maps() { return this != OVERLAYS; }
    boolean overlays() { return this != MAPS; }
  }

  /** The widest montage tile; wider overlays are scaled down. */
  static final int TILE_WIDTH = 480;

  private final Path out;
  private final Manifest manifest;
  private final SignedOverlay overlay;
  private final boolean sharedScale;
  private final String unit;
  private final Outputs outputs;
  private final int montageTiles;
  private final TreeMap<String, Mat> tiles = new TreeMap<>();
  private final java.util.concurrent.ExecutorService render;
  private Path montage;

  /**
   * @param out the output folder
   * @param manifest the run's manifest (this sink appends to it; the caller closes it after this sink)
   * @param overlay how overlays are drawn
   * @param sharedScale one colour scale for all of an image's targets (else one per target)
   * @param unit what the maps' values are (the colour bar's label): logit or probability
   * @param outputs what is written per image
   * @param montageTiles images in the montage at most (0: no montage)
   */
  public FileSink(Path out, Manifest manifest, SignedOverlay overlay, boolean sharedScale, String unit, Outputs outputs, int montageTiles) {
    this.out = out;
    this.manifest = manifest;
    this.overlay = overlay;
    this.sharedScale = sharedScale;
    this.unit = unit;
    this.outputs = outputs;
    this.montageTiles = montageTiles;
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.render = java.util.concurrent.Executors.newFixedThreadPool(threads, task -> {
      Thread th = new Thread(task, "tve-render-" + n.incrementAndGet());
      th.setDaemon(true);
      return th;
    });
  }

  static String mapsName(String name) {
    return name + ".maps.npy";
  }

  static String overlayName(String name) {
    return name + ".overlay.png";
  }

  @Override
  public boolean isDone(InputFiles.Item item) {
    if (manifest.state(item.id()) != KeyIndex.DONE) return false;
    if (outputs.maps() && !Files.isRegularFile(out.resolve(mapsName(item.name())))) return false;
    return !outputs.overlays() || Files.isRegularFile(out.resolve(overlayName(item.name())));
  }

  @Override
  public void done(ImageResult r) throws IOException {
    done(List.of(r));
  }

  /** An overlay rendered and encoded, with the picture kept for the montage. */
  private record Rendered(byte[] png, Mat row) {}

  /**
   * Writes a batch: the overlays are drawn and PNG-encoded on the render threads (the writing stage's
   * bottleneck on small machines, where the networks hold one core), then every file is written and
   * its manifest line appended in input order.
   */
  @Override
  public void done(List<ImageResult> results) throws IOException {
    List<java.util.concurrent.Future<Rendered>> rendered = new ArrayList<>();
    String[] bad = new String[results.size()];
    for (int i = 0; i < bad.length; i++) {
      ImageResult r = results.get(i);
      bad[i] = r.nonFinite();
      rendered.add(outputs.overlays() && bad[i] == null ? render.submit(() -> render(r)) : java.util.concurrent.CompletableFuture.completedFuture(null));
    }
    try {
      for (int i = 0; i < results.size(); i++) {
        Rendered img;
        try {
          img = rendered.get(i).get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("stopped");
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof IOException io) throw io;
          if (e.getCause() instanceof RuntimeException re) throw re;
          throw new IOException(e.getCause());
        }
        if (bad[i] != null) failed(results.get(i).key(), bad[i]);
        else write(results.get(i), img);
      }
    } finally {
      for (java.util.concurrent.Future<Rendered> f : rendered) {
        Rendered img = f.isDone() && !f.isCancelled() ? getQuietly(f) : null;
        if (img != null && img.row() != null) img.row().releaseReference();
      }
    }
  }

  private static Rendered getQuietly(java.util.concurrent.Future<Rendered> f) {
    try {
      return f.get();
    } catch (Exception e) {
      return null;
    }
  }

  private void write(ImageResult r, Rendered img) throws IOException {
    int g = r.grid(), t = r.targets().size();
    String maps = null, overlayFile = null;
    if (outputs.maps()) {
      float[] raw = new float[t * g * g];
      for (int j = 0; j < t; j++) System.arraycopy(r.targets().get(j).raw(), 0, raw, j * g * g, g * g);
      maps = mapsName(r.name());
      Npy.write(out.resolve(maps), NpyArray.ofFloats(raw, t, g, g));
    }
    if (img != null) {
      overlayFile = overlayName(r.name());
      PngFiles.writeBytes(out.resolve(overlayFile), img.png());
      try (PointerScope scope = new PointerScope()) {
        keepTile(r.key(), img.row());
      }
    }
    manifest.append(OutputSchema.done(r, maps, overlayFile));
  }

  /** Draws and encodes one result's overlay (any thread). */
  private Rendered render(ImageResult r) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Mat row = row(overlay, r, sharedScale, unit);
      byte[] png = PngFiles.encode(row, out.resolve(overlayName(r.name())));
      if (montageTiles <= 0) return new Rendered(png, null);
      row.retainReference();                 // kept past this scope for the montage; released after writing
      return new Rendered(png, row);
    }
  }

  /**
   * One result's overlay as PNG bytes, as {@code tve explain} draws it: every target side by side on
   * the result's picture ({@link BatchPipeline#withPicture}), each map minus its median, diverging
   * colours on one scale per image (or per target), captions and a colour bar. Any thread.
   *
   * @param r a result with its picture
   * @param sharedScale one scale for all of the image's targets (else one per target)
   * @param unit the explained output's name (for the colour bar)
   * @return the PNG file's bytes
   * @throws IOException when OpenCV cannot encode it
   */
  public static byte[] overlayPng(ImageResult r, boolean sharedScale, String unit) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      return PngFiles.encode(row(new SignedOverlay(0.6), r, sharedScale, unit), Path.of(overlayName(r.name())));
    }
  }

  /** The overlay image (in the caller's PointerScope). */
  private static Mat row(SignedOverlay overlay, ImageResult r, boolean sharedScale, String unit) {
    if (r.pixels() == null) throw new IllegalStateException("an overlay needs the result's display image (BatchPipeline.Builder#optPictures)");
    List<float[]> raws = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    for (Attribution a : r.targets()) {
      raws.add(centred(a.raw()));
      captions.add(String.format(Locale.ROOT, "%s: %s%s %.2f", a.head(), a.targetName(), a.foil() >= 0 ? " vs " + a.foil() : "", a.targetProbability()));
    }
    float[] scales;
    if (sharedScale) {
      scales = new float[] {SignedOverlay.sharedScale(raws)};
    } else {
      scales = new float[raws.size()];
      for (int i = 0; i < scales.length; i++) {
        scales[i] = SignedOverlay.sharedScale(List.of(raws.get(i)));
        captions.set(i, captions.get(i) + " (+-" + SignedOverlay.label(scales[i]).substring(1) + ")");   // each tile its own scale
      }
    }
    int[] reg = r.region();
    return overlay.row(r.pixels(), r.height(), r.width(), r.channels(), reg == null ? null : new org.bytedeco.opencv.opencv_core.Rect(reg[0],
        reg[1], reg[2], reg[3]), raws, captions, r.grid(), scales, unit + " - median");
  }

  /**
   * A map minus its median: a raw map's level is arbitrary (for TVE, keep-only against remove-only
   * embeddings puts every patch of an object's scene below zero), its spread is what the picture shows.
   */
  static float[] centred(float[] raw) {
    float[] sorted = raw.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    float median = n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    float[] c = new float[n];
    for (int i = 0; i < n; i++) c[i] = raw[i] - median;
    return c;
  }

  /** Keeps a captioned, scaled-down copy when it is among the first montageTiles names. */
  private void keepTile(String key, Mat row) {
    if (montageTiles <= 0) return;
    if (tiles.size() >= montageTiles && key.compareTo(tiles.lastKey()) >= 0) return;
    double f = Math.min(1.0, (double) TILE_WIDTH / row.cols());
    Mat small = new Mat();
    opencv_imgproc.resize(row, small, new Size((int) Math.round(row.cols() * f), (int) Math.round(row.rows() * f)), 0, 0, opencv_imgproc.INTER_AREA);
    int bar = 16;
    Mat tile = new Mat(small.rows() + bar, Math.max(small.cols(), 120), opencv_core.CV_8UC3, new Scalar(255, 255, 255, 0));
    try (Mat roi = tile.apply(new org.bytedeco.opencv.opencv_core.Rect(0, 0, small.cols(), small.rows()))) {
      small.copyTo(roi);
    }
    String name = Path.of(key).getFileName().toString();
    opencv_imgproc.putText(tile, name.length() > 60 ? name.substring(0, 57) + "..." : name, new Point(2, small.rows() + 12),
        opencv_imgproc.FONT_HERSHEY_SIMPLEX, 0.38, new Scalar(0, 0, 0, 0), 1, opencv_imgproc.LINE_AA, false);
    small.close();
    tile.retainReference();
    Mat old = tiles.put(key, tile);
    if (old != null) old.releaseReference();
    while (tiles.size() > montageTiles) tiles.pollLastEntry().getValue().releaseReference();
  }

  @Override
  public void failed(String key, String reason) throws IOException {
    manifest.append(OutputSchema.failed(key, reason));
  }

  /** @return the montage written at close, or null (no overlay in this run) */
  public Path montage() {
    return montage;
  }

  @Override
  public void close() throws IOException {
    render.shutdownNow();
    if (tiles.isEmpty()) return;
    try (PointerScope scope = new PointerScope()) {
      List<Mat> list = new ArrayList<>(tiles.values());
      int columns = Math.max(1, Math.min(8, (int) Math.ceil(Math.sqrt(list.size() * 2.0 * list.get(0).rows() / Math.max(1, list.get(0).cols())))));
      Path file = out.resolve("montage.png");
      PngFiles.write(file, Montage.tile(list, columns));
      montage = file;
    } finally {
      for (Map.Entry<String, Mat> e : tiles.entrySet()) e.getValue().releaseReference();
      tiles.clear();
    }
  }
}
