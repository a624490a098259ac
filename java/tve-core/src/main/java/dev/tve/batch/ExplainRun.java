package dev.tve.batch;

import dev.tve.explain.Explainer;
import dev.tve.explain.TargetSpec;
import dev.tve.image.ImageDecoder;
import dev.tve.image.ImageFolder;
import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import dev.tve.render.SignedOverlay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code tve explain}'s run: the {@link BatchPipeline} into a {@link FileSink} ({@link OutputSchema}):
 * per image {@code NAME.maps.npy} [T, g, g] and {@code NAME.overlay.png} (every target side by side,
 * each captioned with head, class and probability), per run {@code manifest.jsonl} and
 * {@code montage.png}. Every output is written to a temp file and renamed. The manifest records the
 * run's settings; a run started again with the same output folder and the same settings skips the
 * files already done and retries the failed ones, and one with other settings is refused
 * ({@link Manifest.SettingsMismatchException}) unless told to recompute. A file that cannot be used is
 * recorded with its reason, reported to the failure callback, and the run goes on.
 *
 * <pre>{@code
 * ExplainRun.Summary s = ExplainRun.builder(explainer, preprocessing, heads, out)
 *     .optTarget(TargetSpec.parse("topk:2")).optProgress(p -> ...).build().run(List.of(Path.of("samples")));
 * }</pre>
 *
 * One run belongs to one thread.
 */
public final class ExplainRun {
  /** The manifest's file name in the output folder. */
  public static final String MANIFEST = "manifest.jsonl";

  /** A run's totals: files done in this run, skipped (done before), failed. */
  public record Summary(long explained, long skipped, long failed, double seconds, Path manifest, Path montage) {}

  private final BatchPipeline.Builder pipeline;
  private final Path out;
  private final boolean sharedScale;
  private final String unit;
  private final FileSink.Outputs outputs;
  private final int montageTiles;
  private final boolean recompute;
  private final boolean intoExisting;
  private final Map<String, Object> settings;
  private final BatchPipeline.Pictures pictures;

  private ExplainRun(Builder b) {
    pictures = b.pictures;
    pipeline = b.pipeline;
    out = b.out;
    sharedScale = b.sharedScale;
    unit = b.explainer.output().name().toLowerCase(Locale.ROOT);
    outputs = b.outputs;
    montageTiles = b.montageTiles;
    recompute = b.recompute;
    intoExisting = b.intoExisting;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("method", b.explainer.name());
    p.put("target", b.target.toString());
    List<String> names = new ArrayList<>();
    for (Head h : b.heads) names.add(h.name());
    p.put("heads", names);
    p.putAll(b.explainer.parameters());
    p.put("outputs", outputs.name().toLowerCase(Locale.ROOT));
    if (outputs != FileSink.Outputs.MAPS) {
      p.put("overlayScale", b.sharedScale ? "shared" : "per-target");
      p.put("overlayImage", b.pictures.original() ? "original" : "model");
    }
    p.put("verify", b.verifier == null ? 0 : Math.max(1, b.verifier.centres()));
    if (b.verifier != null) {
      // The flags depend on the calibrations: a run continued after recalibrating is another run.
      p.put("verifyFitThreshold", finiteOrNull(b.verifier.fitThreshold()));
      p.put("verifyDistanceThreshold", finiteOrNull(b.verifier.distanceThreshold()));
    }
    p.putAll(b.provenance);
    settings = java.util.Collections.unmodifiableMap(p);
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** What the manifest's header records: method and parameters, target, heads, outputs, and the caller's (hashes, version, seeds). */
  public Map<String, Object> settings() {
    return settings;
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

  /**
   * Explains every input into the output folder.
   *
   * @param inputs files and folders
   * @return the totals
   * @throws Manifest.SettingsMismatchException when the folder holds a run with other settings
   * @throws IOException when the output folder cannot be written
   */
  public Summary run(List<Path> inputs) throws IOException {
    // Only a new or empty folder, or one of tve explain's own runs (its manifest), unless told to write beside a user's files.
    dev.tve.io.OutputFolder.claim(out, intoExisting, "--into-existing", MANIFEST);
    try (Manifest manifest = Manifest.open(out.resolve(MANIFEST), settings, recompute)) {
      FileSink sink = new FileSink(out, manifest, new SignedOverlay(0.6), sharedScale, unit, outputs, montageTiles);
      BatchPipeline.Counts c;
      try {
        c = pipeline.optPictures(outputs == FileSink.Outputs.MAPS ? BatchPipeline.Pictures.NONE : pictures).build().run(inputs, sink);
      } finally {
        sink.close();
      }
      return new Summary(c.done(), c.skipped(), c.failed(), c.seconds(), manifest.file(), sink.montage());
    }
  }

  /** A file itself, or the image files under a folder (lazily, directory order; close the stream). */
  public static Stream<Path> list(Path input) throws IOException {
    if (!Files.isDirectory(input)) return Stream.of(input);
    return Files.walk(input).filter(Files::isRegularFile).filter(ImageFolder::isImageName);
  }

  /** Builder of {@link ExplainRun}. */
  public static final class Builder {
    private final Explainer explainer;
    private final List<? extends Head> heads;
    private final Path out;
    private final BatchPipeline.Builder pipeline;
    private TargetSpec target = TargetSpec.predicted();
    private boolean sharedScale = true;
    private BatchPipeline.Pictures pictures = BatchPipeline.Pictures.ORIGINAL;
    private FileSink.Outputs outputs = FileSink.Outputs.BOTH;
    private int montageTiles = 32;
    private dev.tve.explain.Verifier verifier;
    private boolean recompute;
    private boolean intoExisting;
    private final Map<String, Object> provenance = new LinkedHashMap<>();

    private Builder(Explainer explainer, Preprocessing pre, List<? extends Head> heads, Path out) {
      this.explainer = explainer;
      this.heads = heads;
      this.out = out;
      this.pipeline = BatchPipeline.builder(explainer, pre, heads);
    }

    /** @param v the targets (default: the predicted class) @return this */
    public Builder optTarget(TargetSpec v) { target = v; pipeline.optTarget(v); return this; }
    /** @param v images per explainer pass (default 32) @return this */
    public Builder optBatchSize(int v) { pipeline.optBatchSize(v); return this; }
    /** @param v decoding threads (default 1) @return this */
    public Builder optDecodeThreads(int v) { pipeline.optDecodeThreads(v); return this; }
    /** @param v one colour scale for all of an image's targets (default), or one per target @return this */
    public Builder optSharedScale(boolean v) { sharedScale = v; return this; }
    /** @param v what overlays are drawn on (default: the original image, long side at most 1024 px) @return this */
    public Builder optPictures(BatchPipeline.Pictures v) { pictures = v; return this; }
    /** @param v what is written per image (default both maps and overlays) @return this */
    public Builder optOutputs(FileSink.Outputs v) { outputs = v; return this; }
    /** @param v the image decoder @return this */
    public Builder optDecoder(ImageDecoder v) { pipeline.optDecoder(v); return this; }
    /** @param v told after every batch @return this */
    public Builder optProgress(Consumer<BatchPipeline.Progress> v) { pipeline.optProgress(v); return this; }
    /** @param v told about every file that cannot be used (besides its manifest line) @return this */
    public Builder optFailure(Consumer<BatchPipeline.Failure> v) { pipeline.optFailure(v); return this; }
    /** @param v images in the montage at most, first by path (default 32; 0: none) @return this */
    public Builder optMontageTiles(int v) { montageTiles = v; return this; }
    /** @param v when the folder holds a run with other settings, start afresh instead of refusing @return this */
    public Builder optRecompute(boolean v) { recompute = v; return this; }
    /**
     * @param v write into a folder that holds files this run did not write and no manifest of its own
     *     (default false: such a folder is refused before anything is touched); their files are never touched
     * @return this
     */
    public Builder optIntoExisting(boolean v) { intoExisting = v; return this; }
    /** @param v settings recorded in the manifest's header (model and explainer hashes, version, seeds) @return this */
    public Builder optProvenance(Map<String, Object> v) { provenance.putAll(v); return this; }

    /**
     * The self-check (TVE only): see {@link BatchPipeline.Builder#optVerify}.
     *
     * @return this
     */
    public Builder optVerify(dev.tve.explain.Verifier v) {
      verifier = v;
      pipeline.optVerify(v);
      return this;
    }

    public ExplainRun build() {
      if (montageTiles < 0) throw new IllegalArgumentException("montage: " + montageTiles);
      pipeline.build();                                   // checks the settings now
      return new ExplainRun(this);
    }
  }
}
