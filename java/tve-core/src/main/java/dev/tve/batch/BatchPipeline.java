package dev.tve.batch;

import dev.tve.explain.Attribution;
import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.Verifier;
import dev.tve.image.ImageBatchReader;
import dev.tve.image.ImageDataException;
import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The batch pipeline every batch front end shares ({@code tve explain}'s files, Spark's rows): input
 * files are walked on one thread ({@link InputFiles}; done ones skipped, a file named twice taken
 * once), decoded in batches on a worker pool, explained on the calling thread (the networks' thread,
 * under the caller's thread policy), and handed to a {@link ResultSink} on one more thread, in input
 * order. Queues between the stages are bounded, so a slow stage holds the others back and memory
 * stays flat however many files there are.
 *
 * <pre>{@code
 * BatchPipeline.Counts c = BatchPipeline.builder(explainer, preprocessing, heads).optBatchSize(32).build()
 *     .run(List.of(Path.of("samples")), sink);
 * }</pre>
 */
public final class BatchPipeline {
  /** After every batch written: files done in this run, skipped (done before), failed; the rate of done files. */
  public record Progress(long done, long skipped, long failed, double imagesPerSecond) {}

  /** What a run did. */
  public record Counts(long done, long skipped, long failed, double seconds) {}

  /** A file that could not be used: its key (canonical path, or the path as given) and why. */
  public record Failure(String key, String reason) {}

  /** An image for display and the model's region in it (or null: all of it). */
  private record Display(dev.tve.render.SignedOverlay.Picture picture, int[] region) {}

  /** A decoded batch: its pixels [n, C, S, S] in a direct buffer (from {@link #buffers}), which becomes the encoder's tensor as it is. */
  private record Decoded(FloatBuffer x, List<InputFiles.Item> ok, List<Failure> failures, Display[] displays) {}

  private record Explained(FloatBuffer x, List<ImageResult> results, List<Failure> failures, Display[] displays) {}

  private static final Decoded END = new Decoded(null, List.of(), List.of(), null);
  private static final Explained END_EXPLAINED = new Explained(null, List.of(), List.of(), null);

  private final Explainer explainer;
  private final Preprocessing pre;
  private final List<? extends Head> heads;
  private final TargetSpec target;
  private final int batchSize, decodeThreads, queueDepth;
  private final ImageBatchReader reader;
  private final Consumer<Progress> progress;
  private final Consumer<Failure> onFailure;
  private final Verifier verifier;
  private final Pictures pictures;
  private final BatchBuffers buffers;

  /**
   * What the writing stage gets to draw on.
   *
   * @param original the decoded image at its own size (within the limits), else what the model saw
   * @param maxSide a display image's long side at most (larger ones are shrunk)
   * @param minSide a display image's short side at least (smaller ones are enlarged by a whole factor)
   */
  public record Pictures(boolean original, int maxSide, int minSide) {
    /** No pictures: the writing stage gets no pixels (maps-only runs). */
    public static final Pictures NONE = new Pictures(false, 0, 0);
    /** The original image, its long side at most 1024 px, its short side at least 224 px. */
    public static final Pictures ORIGINAL = new Pictures(true, 1024, 224);
    /** What the model saw, enlarged to at least 224 px. */
    public static final Pictures MODEL = new Pictures(false, 1024, 224);
  }

  private BatchPipeline(Builder b) {
    explainer = b.explainer;
    pre = b.pre;
    heads = List.copyOf(b.heads);
    target = b.target;
    batchSize = b.batchSize;
    decodeThreads = b.decodeThreads;
    queueDepth = b.queueDepth;
    reader = new ImageBatchReader(b.decoder, b.pre);
    progress = b.progress;
    onFailure = b.onFailure;
    verifier = b.verifier;
    pictures = b.pictures;
    // Batches in flight at most: each queue full, one per decoder, one being explained, one being written.
    buffers = new BatchBuffers(batchSize, pre, 2 * queueDepth + decodeThreads + 2);
  }

  /**
   * @param explainer any method
   * @param pre the model's preprocessing (square)
   * @param heads the heads to explain
   * @return a builder
   */
  public static Builder builder(Explainer explainer, Preprocessing pre, List<? extends Head> heads) {
    return new Builder(explainer, pre, heads);
  }

  /**
   * Runs every input through the stages into {@code sink}.
   *
   * @param inputs files and folders
   * @param sink where results go (not closed here)
   * @return the counts
   * @throws IOException when the sink cannot write (the run stops; what was written stays complete)
   */
  public Counts run(List<Path> inputs, ResultSink sink) throws IOException {
    long t0 = System.nanoTime();
    AtomicLong done = new AtomicLong(), skipped = new AtomicLong(), failed = new AtomicLong();
    AtomicReference<Throwable> error = new AtomicReference<>();
    BlockingQueue<Future<Decoded>> decoded = new ArrayBlockingQueue<>(queueDepth);
    BlockingQueue<Explained> explained = new ArrayBlockingQueue<>(queueDepth);
    ExecutorService decoders = Executors.newFixedThreadPool(decodeThreads, daemon("tve-decode"));
    ExecutorService stages = Executors.newFixedThreadPool(2, daemon("tve-pipeline"));
    try {
      Future<?> walker = stages.submit(() -> {
        walk(inputs, sink, decoders, decoded, skipped, error);
        return null;
      });
      Future<?> writer = stages.submit(() -> {
        write(explained, sink, done, skipped, failed, t0, error);
        return null;
      });
      try {
        explain(decoded, explained, error);
      } catch (RuntimeException | Error e) {
        error.compareAndSet(null, e);
      }
      if (error.get() != null) explained.clear();
      put(explained, END_EXPLAINED, null);
      join(walker, error);
      join(writer, error);
    } finally {
      stages.shutdownNow();
      decoders.shutdownNow();
    }
    Throwable e = error.get();
    if (e instanceof IOException io) throw io;
    if (e instanceof RuntimeException re) throw re;
    if (e instanceof Error er) throw er;
    if (e != null) throw new IOException(e);
    return new Counts(done.get(), skipped.get(), failed.get(), (System.nanoTime() - t0) / 1e9);
  }

  /** Walking thread: items into batches, each decoded on the pool; failures ride with the next batch to keep order. */
  private void walk(List<Path> inputs, ResultSink sink, ExecutorService decoders, BlockingQueue<Future<Decoded>> decoded, AtomicLong skipped,
      AtomicReference<Throwable> error) throws InterruptedException {
    try {
      KeyIndex seen = new KeyIndex();                                      // this run's keys: a file named twice is done once
      List<InputFiles.Item> batch = new ArrayList<>();
      List<Failure> bad = new ArrayList<>();
      InputFiles.walk(inputs, item -> {
        if (error.get() != null) return false;
        if (seen.put(item.id(), KeyIndex.DONE, 0) != KeyIndex.ABSENT) return true;
        if (item.error() != null) {
          bad.add(new Failure(item.key(), item.error()));
        } else if (sink.isDone(item)) {
          skipped.incrementAndGet();
        } else {
          batch.add(item);
        }
        if (batch.size() == batchSize || bad.size() >= batchSize) {
          submit(List.copyOf(batch), List.copyOf(bad), decoders, decoded, error);
          batch.clear();
          bad.clear();
        }
        return true;
      });
      if (!batch.isEmpty() || !bad.isEmpty()) submit(List.copyOf(batch), List.copyOf(bad), decoders, decoded, error);
    } catch (IOException | RuntimeException e) {
      error.compareAndSet(null, e);
    } finally {
      put(decoded, CompletableFuture.completedFuture(END), error);     // gives up when the run has failed: nobody takes then
    }
  }

  private void submit(List<InputFiles.Item> items, List<Failure> bad, ExecutorService decoders, BlockingQueue<Future<Decoded>> decoded,
      AtomicReference<Throwable> error) throws IOException {
    if (!put(decoded, decoders.submit(() -> decode(items, bad)), error)) throw new InterruptedIOException("stopped");
  }

  private Decoded decode(List<InputFiles.Item> items, List<Failure> bad) throws IOException {
    FloatBuffer x = buffers.take();
    List<Failure> failures = new ArrayList<>(bad);
    List<Path> paths = new ArrayList<>(items.size());
    for (InputFiles.Item it : items) paths.add(it.path());
    List<ImageDataException> unreadable = new ArrayList<>();
    Display[] displays = pictures.original() ? new Display[items.size()] : null;
    List<Path> okPaths = reader.readInto(paths, x, unreadable::add, displays == null ? null : (img, i) -> displays[i] = display(img));
    java.util.Map<Path, InputFiles.Item> byPath = new java.util.IdentityHashMap<>();
    for (InputFiles.Item it : items) byPath.put(it.path(), it);
    List<InputFiles.Item> ok = new ArrayList<>(okPaths.size());
    for (Path p : okPaths) ok.add(byPath.get(p));
    for (ImageDataException e : unreadable) failures.add(new Failure(byPath.get(e.file()).key(), e.reason()));
    return new Decoded(x, ok, failures, displays);
  }

  /** The decoded image at display size, with the region the model saw (its centre crop, when it crops). */
  private Display display(dev.tve.image.DecodedImage img) {
    return display(img, pre, pictures);
  }

  /**
   * The result with a decoded image as its display picture (within the pictures' size limits; grey
   * for a grey model) and the region the model saw in it: what an overlay is drawn on.
   *
   * @param r a result without pixels
   * @param img the image as decoded
   * @param pre the model's preprocessing
   * @param pictures the size limits
   * @return the result with its picture
   */
  public static ImageResult withPicture(ImageResult r, dev.tve.image.DecodedImage img, Preprocessing pre, Pictures pictures) {
    return withDisplay(r, display(img, pre, pictures));
  }

  private static ImageResult withDisplay(ImageResult r, Display d) {
    dev.tve.render.SignedOverlay.Picture p = d.picture();
    return new ImageResult(r.key(), r.name(), r.targets(), r.grid(), p.pixels(), p.channels(), p.height(), p.width(), d.region(), r.verdict());
  }

  private static Display display(dev.tve.image.DecodedImage img, Preprocessing pre, Pictures pictures) {
    // A colour photo for a grey model is shown grey.
    dev.tve.render.SignedOverlay.Picture d = dev.tve.render.SignedOverlay.displayCopy(img.pixels(), img.height(), img.width(), img.channels(),
        pictures.maxSide(), pictures.minSide(), pre.channels() == 1);
    int h = d.height(), w = d.width();
    int[] region = null;
    if (pre.resize() == dev.tve.image.Preprocessing.Resize.CENTER_CROP) {
      double s = Math.max((double) pre.height() / h, (double) pre.width() / w);
      int rw = (int) Math.round(pre.width() / s), rh = (int) Math.round(pre.height() / s);
      region = new int[] {(w - rw) / 2, (h - rh) / 2, rw, rh};
    }
    return new Display(d, region);
  }

  /**
   * The reason a batch's images fail when the model or explainer throws on it: the first line of
   * what it said (a user's TorchScript encoder raising, a non-finite embedding), never a stack trace.
   *
   * @param e what was thrown
   * @param n images in the batch
   * @return the reason
   */
  public static String modelFailure(RuntimeException e, int n) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    // TorchScript's interpreter opens with a generic line and a traceback; the model's own words are its last "...Error: " line.
    String said = null;
    for (String line : m.lines().toList()) {
      int at = line.indexOf("Error: ");
      if (at >= 0 && line.substring(0, at).matches("[\\w.]*")) said = line.strip();
    }
    int nl = m.indexOf('\n');
    if (said != null) m = said;
    else if (nl >= 0) m = m.substring(0, nl).strip();
    if (m.length() > 300) m = m.substring(0, 300) + "...";
    return "the model failed on this batch of " + n + " (" + m + ")";
  }

  /** The calling thread: every decoded batch through the explainer. */
  private void explain(BlockingQueue<Future<Decoded>> decoded, BlockingQueue<Explained> explained, AtomicReference<Throwable> error)
      throws IOException {
    int s = pre.height(), c = pre.channels();
    while (true) {
      Decoded d;
      try {
        Future<Decoded> f = decoded.poll(100, TimeUnit.MILLISECONDS);
        if (f == null) {
          if (error.get() != null) return;
          continue;
        }
        d = f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stopped");
      } catch (ExecutionException e) {
        error.compareAndSet(null, e.getCause());
        return;
      }
      if (d == END || error.get() != null) return;
      List<ImageResult> results = new ArrayList<>(d.ok().size());
      if (!d.ok().isEmpty()) {
        int n = d.ok().size();
        List<Attribution> maps;
        Images images = Images.of(d.x(), n, c, s);
        try (PointerScope scope = new PointerScope()) {
          maps = explainer.explain(images, heads, target);
        } catch (RuntimeException ex) {
          // The model failed on this batch: its images are failed with the reason, and the run goes on.
          String reason = modelFailure(ex, n);
          List<Failure> failures = new ArrayList<>(d.failures());
          for (InputFiles.Item it : d.ok()) failures.add(new Failure(it.key(), reason));
          if (!put(explained, new Explained(d.x(), List.of(), failures, d.displays()), error)) return;
          continue;
        }
        // The self-check: real masked copies through the encoder against E+ / E- at random centres; the embedding's distance.
        List<Verifier.Verdict> verdicts = null;
        if (verifier != null) {
          long[] seeds = new long[n];
          for (int i = 0; i < n; i++) seeds[i] = Verifier.seedOf(d.ok().get(i).key());
          verdicts = verifier.check(images, seeds);
        }
        int perImage = maps.size() / n;
        for (int i = 0; i < n; i++) {
          InputFiles.Item it = d.ok().get(i);
          results.add(new ImageResult(it.key(), it.name(), maps.subList(i * perImage, (i + 1) * perImage), explainer.grid(), null, c, s, s, null,
              verdicts == null ? null : verdicts.get(i)));
        }
      }
      if (!put(explained, new Explained(d.x(), results, d.failures(), d.displays()), error)) return;
    }
  }

  /** Writing thread: failures, then results, in order; progress after each batch. */
  private void write(BlockingQueue<Explained> explained, ResultSink sink, AtomicLong done, AtomicLong skipped, AtomicLong failed, long t0,
      AtomicReference<Throwable> error) {
    try {
      while (true) {
        Explained e = explained.take();
        if (e == END_EXPLAINED) return;
        if (error.get() != null) continue;                              // drain until the end marker
        for (Failure f : e.failures()) {
          sink.failed(f.key(), f.reason());
          failed.incrementAndGet();
          onFailure.accept(f);
        }
        List<ImageResult> ok = new ArrayList<>(e.results().size());
        for (int i = 0; i < e.results().size(); i++) {
          ImageResult r = e.results().get(i);
          String bad = r.nonFinite();
          if (bad != null) {
            sink.failed(r.key(), bad);
            failed.incrementAndGet();
            onFailure.accept(new Failure(r.key(), bad));
            continue;
          }
          ok.add(withPixels(r, e, i));
        }
        sink.done(ok);
        buffers.give(e.x());                                            // nothing refers to the pixels now
        done.addAndGet(ok.size());
        if (progress != null) {
          double secs = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          progress.accept(new Progress(done.get(), skipped.get(), failed.get(), done.get() / secs));
        }
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException ex) {
      error.compareAndSet(null, ex);
      explained.clear();
      while (true) {                                                    // keep taking so the explaining thread is never stuck
        try {
          if (explained.take() == END_EXPLAINED) return;
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** The result with its display image: the original, or what the model saw enlarged; none for maps-only runs. */
  private ImageResult withPixels(ImageResult r, Explained e, int i) {
    if (pictures == Pictures.NONE || pictures.maxSide() == 0) return r;
    if (e.displays() != null) return withDisplay(r, e.displays()[i]);
    int s = pre.height(), f = Math.max(1, Math.min(pictures.maxSide() / s, (pictures.minSide() + s - 1) / s));
    byte[] px = displayPixels(e.x(), i);
    if (f > 1) px = enlarge(px, s, s, pre.channels(), f);
    return new ImageResult(r.key(), r.name(), r.targets(), r.grid(), px, r.channels(), s * f, s * f, null, r.verdict());
  }

  private static byte[] enlarge(byte[] px, int h, int w, int c, int f) {
    byte[] out = new byte[h * f * w * f * c];
    for (int y = 0; y < h * f; y++) {
      for (int x = 0; x < w * f; x++) System.arraycopy(px, ((y / f) * w + x / f) * c, out, (y * w * f + x) * c, c);
    }
    return out;
  }

  /** What the model saw, back in 8-bit: x * std + mean, HWC. */
  private byte[] displayPixels(FloatBuffer x, int image) {
    int c = pre.channels(), h = pre.height(), w = pre.width(), size = pre.size();
    float[] mean = pre.mean(), std = pre.std();
    byte[] px = new byte[h * w * c];
    for (int ch = 0; ch < c; ch++) {
      for (int q = 0; q < h * w; q++) {
        double v = (x.get(image * size + ch * h * w + q) * std[ch] + mean[ch]) * 255;
        px[q * c + ch] = (byte) Math.max(0, Math.min(255, Math.round(v)));
      }
    }
    return px;
  }

  private static <T> boolean put(BlockingQueue<T> q, T v, AtomicReference<Throwable> error) {
    try {
      while (!q.offer(v, 100, TimeUnit.MILLISECONDS)) {
        if (error != null && error.get() != null) return false;
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void join(Future<?> f, AtomicReference<Throwable> error) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error.compareAndSet(null, e);
    } catch (ExecutionException e) {
      error.compareAndSet(null, e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause());
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Builder of {@link BatchPipeline}. */
  public static final class Builder {
    private final Explainer explainer;
    private final Preprocessing pre;
    private final List<? extends Head> heads;
    private TargetSpec target = TargetSpec.predicted();
    private int batchSize = 32, decodeThreads = 1, queueDepth = 2;
    private dev.tve.image.ImageDecoder decoder = dev.tve.image.ImageDecoder.create();
    private Consumer<Progress> progress;
    private Consumer<Failure> onFailure = f -> {};
    private Verifier verifier;
    private Pictures pictures = Pictures.NONE;

    private Builder(Explainer explainer, Preprocessing pre, List<? extends Head> heads) {
      if (heads.isEmpty()) throw new IllegalArgumentException("heads: none");
      if (pre.height() != pre.width()) throw new IllegalArgumentException("preprocessing must give square images");
      this.explainer = explainer;
      this.pre = pre;
      this.heads = heads;
    }

    /** @param v the targets (default: the predicted class) @return this */
    public Builder optTarget(TargetSpec v) { target = v; return this; }
    /** @param v images per explainer pass (default 32) @return this */
    public Builder optBatchSize(int v) { batchSize = v; return this; }
    /** @param v decoding threads (default 1) @return this */
    public Builder optDecodeThreads(int v) { decodeThreads = v; return this; }
    /** @param v batches waiting between two stages at most (default 2) @return this */
    public Builder optQueueDepth(int v) { queueDepth = v; return this; }
    /** @param v the image decoder @return this */
    public Builder optDecoder(dev.tve.image.ImageDecoder v) { decoder = v; return this; }
    /** @param v told after every batch (on the writing thread) @return this */
    public Builder optProgress(Consumer<Progress> v) { progress = v; return this; }
    /** @param v told about every file that could not be used (on the writing thread) @return this */
    public Builder optFailure(Consumer<Failure> v) { onFailure = v; return this; }
    /** @param v the display images results carry (default none: maps only) @return this */
    public Builder optPictures(Pictures v) { pictures = v; return this; }

    /**
     * The self-check (--verify): every image's {@link Verifier.Verdict} in its result.
     *
     * @param v the verifier, or null for none (the default)
     * @return this
     */
    public Builder optVerify(Verifier v) {
      verifier = v;
      return this;
    }

    /** @return the pipeline */
    public BatchPipeline build() {
      if (batchSize < 1) throw new IllegalArgumentException("batch: " + batchSize);
      if (decodeThreads < 1) throw new IllegalArgumentException("decode threads: " + decodeThreads);
      if (queueDepth < 1) throw new IllegalArgumentException("queue depth: " + queueDepth);
      return new BatchPipeline(this);
    }
  }
}
