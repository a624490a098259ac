package dev.tve.api;

import dev.tve.batch.BatchPipeline;
import dev.tve.batch.ExplainRun;
import dev.tve.explain.Attribution;
import dev.tve.explain.Explainer;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.Methods;
import dev.tve.explain.TveExplainer;
import dev.tve.image.DecodedImage;
import dev.tve.image.ImageDataException;
import dev.tve.image.ImageDecoder;
import dev.tve.image.Preprocessing;
import dev.tve.kernel.Backend;
import dev.tve.kernel.CudaDevices;
import dev.tve.kernel.ProjectionEngine;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.runtime.TveException;
import dev.tve.runtime.UnknownNameException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The engine's entry point: one model (encoder and heads), optionally its pre-trained TVE
 * explainer, and every attribution method of the registry ({@link Methods}) over them. Explains
 * files and folders (as a lazy stream), encoded bytes with a name (what Spark's {@code binaryFile}
 * source gives), decoded images, or the caller's preprocessed floats and tensors; with any method,
 * heads, targets and explained output ({@link ExplainOptions}).
 *
 * <pre>{@code
 * try (Tve tve = Tve.openDefault();
 *      Stream<Explanation> s = tve.explain(Path.of("samples"))) {
 *   s.forEach(e -> System.out.println(e.source() + " " + e.attributions().get(0).targetName()));
 * }
 * }</pre>
 *
 * <p>Resources: a Tve owns the model's and the explainer's native memory and releases it in
 * {@link #close()}, once the batches in flight are done; later calls throw
 * {@link IllegalStateException}. Each call scopes its own native temporaries, and the pixels a call
 * hands to libtorch are owned by their tensors (never memory the garbage collector could free while
 * native code reads it): every entry point gives the float[] entry point's maps, bit for bit, on any
 * number of threads and any heap ({@code TveStressTest}).
 *
 * <p>Threads: a Tve is thread-safe. The networks are read only in eval mode, explainers keep only
 * atomic counters, gradient methods take gradients of their inputs only, and several threads may
 * explain at once. Gradient methods (Saliency, Integrated Gradients, Grad-CAM) turn libtorch's oneDNN
 * convolutions off process-wide while they run (their backward gave NaN with it); so that this never
 * changes another thread's maps, their batches and every other method's batches exclude each other
 * ({@link ThreadPolicy#backwardScope()}): batches of one kind run together, the two kinds take turns.
 *
 * <p>Errors: a missing or mismatched model or explainer file is a {@link dev.tve.runtime.ModelFileException}
 * naming the file; an unknown method or head an {@link UnknownNameException}; nothing is written by Tve.
 */
public final class Tve implements AutoCloseable {
  private final TargetModel model;
  private final ExplainerFiles.Loaded explainer;
  private final Preprocessing pre;
  private final ImageDecoder decoder;
  private final ProjectionEngine engine;
  private final Device device;
  private final ConcurrentHashMap<String, Explainer> explainers = new ConcurrentHashMap<>();
  // The --verify calibrations' folders: read when a verifier is asked for, so that a stale
  // calibration (weights retrained in place) fails --verify, not every command.
  private final Path modelDir, explainerDir;
  private volatile boolean closed;
  // Calls hold the read lock for each batch's work; close() takes the write lock, so it waits for
  // batches in flight and frees native memory only once no call reads it.
  private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();

  private Tve(TargetModel model, ExplainerFiles.Loaded explainer, Device device, ImageDecoder decoder, Path modelDir, Path explainerDir) {
    this.model = model;
    this.explainer = explainer;
    this.modelDir = modelDir;
    this.explainerDir = explainerDir;
    this.pre = model.input().preprocessing();
    this.decoder = decoder;
    this.device = device;
    this.engine = engine(device);
  }

  /**
   * The embedded default: the zoo carried inside tve-core (a small ViT on 56 x 56 grey scenes of
   * Fashion-MNIST items, its heads and its pre-trained TVE explainer).
   *
   * @return the engine on the embedded zoo
   */
  public static Tve openDefault() {
    return builder().build();
  }

  /**
   * @param modelDir a model folder (encoder card, weights, heads)
   * @param explainerDir its explainer folder, or null (then only the classic methods run)
   * @return the engine on that model
   */
  public static Tve open(Path modelDir, Path explainerDir) {
    return builder().optModel(modelDir).optExplainer(explainerDir).build();
  }

  /** @return a builder; with nothing set it opens the embedded zoo */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the model explained */
  public TargetModel model() { check(); return model; }

  /** @return the loaded TVE explainer and its card, or null when none was opened */
  public ExplainerFiles.Loaded explainer() { check(); return explainer; }

  /** @return how images are turned into the model's input */
  public Preprocessing preprocessing() { return pre; }

  /**
   * The --verify check on this engine's model and explainer, with their calibrations where the
   * folders carry them ({@code in-distribution.json} beside the model, {@code fit-calibration.json}
   * beside the explainer, read now); a flag without its calibration is null.
   *
   * <pre>{@code
   * List<Verifier.Verdict> v = tve.verifier(tve.verifyCentres()).check(images, 7);   // v.get(i).inDistribution(), .explainerFit()
   * }</pre>
   *
   * @param centres random centres per image of the explainer's fit check (ignored without an explainer);
   *     where the explainer is calibrated, the calibration's count ({@link #verifyCentres()})
   * @return the verifier
   * @throws dev.tve.runtime.ModelFileException when a calibration is malformed or was made for other weights
   * @throws IllegalArgumentException when centres differs from the explainer's calibrated count
   */
  public dev.tve.explain.Verifier verifier(int centres) {
    check();
    dev.tve.model.InDistribution density = dev.tve.model.InDistribution.load(modelDir, model.card() == null ? null : model.card().weightsSha256());
    return new dev.tve.explain.Verifier(model, explainer == null ? null : explainer.network(), explainer == null ? null : explainer.card(), fit(),
        density, centres);
  }

  /**
   * @return the fit check's centres per image the explainer was calibrated with (its threshold holds at that
   *     count only), or {@link dev.tve.explain.Verifier#DEFAULT_CENTRES} without an explainer calibration
   * @throws dev.tve.runtime.ModelFileException when the calibration is malformed or for other weights
   */
  public int verifyCentres() {
    check();
    dev.tve.explain.FitCalibration f = fit();
    return f == null ? dev.tve.explain.Verifier.DEFAULT_CENTRES : f.centres();
  }

  private dev.tve.explain.FitCalibration fit() {
    return explainer == null ? null : dev.tve.explain.FitCalibration.load(explainerDir, explainer.card());
  }

  /** @return where the projection kernel runs */
  public Device device() { return device; }

  /** @return the head explained when the options name none: "ten-class" when the model has it, else the first by name */
  public Head defaultHead() {
    check();
    return model.heads().containsKey("ten-class") ? model.head("ten-class") : model.heads().values().iterator().next();
  }

  /**
   * Explains files and folders with the default options (TVE, the default head, the predicted class).
   *
   * @param inputs image files and folders (walked lazily)
   * @return one explanation per image, lazily; close the stream
   */
  public Stream<Explanation> explain(Path... inputs) {
    return explain(List.of(inputs), ExplainOptions.defaults());
  }

  /**
   * Explains files and folders, batch by batch as the stream is consumed: memory stays bounded
   * however many images there are. An image that cannot be read gives an explanation with its error.
   *
   * @param inputs image files and folders (folders walked lazily, in directory order)
   * @param options method, heads, targets, settings, batch size
   * @return one explanation per image; close the stream (it holds open folder walks)
   */
  public Stream<Explanation> explain(List<Path> inputs, ExplainOptions options) {
    check();
    Explainer e = explainer(options);
    List<Head> heads = heads(options);
    options.target().checkAll(heads);
    // Folders are walked lazily, one at a time (Files.walk's iterator), so a long input never sits in memory.
    List<Stream<Path>> walks = new ArrayList<>();
    Iterator<Path> files = new Iterator<>() {
      private final Iterator<Path> roots = List.copyOf(inputs).iterator();
      private Iterator<Path> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && roots.hasNext()) {
          Path p = roots.next();
          if (!Files.exists(p)) {
            current = List.of(p).iterator();                  // reported as an error explanation
          } else {
            try {
              Stream<Path> w = ExplainRun.list(p);
              walks.add(w);
              current = w.iterator();
            } catch (IOException ex) {
              throw new UncheckedIOException(ex);
            }
          }
        }
        return current.hasNext();
      }

      @Override
      public Path next() {
        if (!hasNext()) throw new NoSuchElementException();
        return current.next();
      }
    };
    Iterator<Explanation> it = new Iterator<>() {
      private final List<Explanation> ready = new ArrayList<>();
      private int next;

      @Override
      public boolean hasNext() {
        if (next < ready.size()) return true;
        ready.clear();
        next = 0;
        List<Path> batch = new ArrayList<>();
        while (batch.size() < options.batchSize() && files.hasNext()) batch.add(files.next());
        if (batch.isEmpty()) return false;
        ready.addAll(run(e, () -> explainFiles(batch, e, heads, options)));
        return !ready.isEmpty() || hasNext();
      }

      @Override
      public Explanation next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.get(next++);
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(() -> walks.forEach(Stream::close));
  }

  /**
   * Explains encoded images (PNG, JPEG, ...) held in memory, in one batch per
   * {@link ExplainOptions#batchSize()}.
   *
   * @param images names and bytes
   * @param options method, heads, targets, settings
   * @return one explanation per image, in order
   */
  public List<Explanation> explainEncoded(List<EncodedImage> images, ExplainOptions options) {
    check();
    Explainer e = explainer(options);
    List<Head> heads = heads(options);
    options.target().checkAll(heads);
    List<Explanation> out = new ArrayList<>();
    for (int first = 0; first < images.size(); first += options.batchSize()) {
      List<Decoded> part = new ArrayList<>();
      for (EncodedImage im : images.subList(first, Math.min(images.size(), first + options.batchSize()))) {
        try {
          part.add(new Decoded(im.name(), decoder.decode(im.bytes(), Path.of(safeName(im.name()))), null));
        } catch (ImageDataException ex) {
          part.add(new Decoded(im.name(), null, ex.reason()));
        }
      }
      out.addAll(run(e, () -> explainDecoded(part, e, heads, options)));
    }
    return out;
  }

  /**
   * @param name the image's name
   * @param encoded its encoded bytes
   * @param options method, heads, targets, settings
   * @return its explanation
   */
  public Explanation explain(String name, byte[] encoded, ExplainOptions options) {
    return explainEncoded(List.of(new EncodedImage(name, encoded)), options).get(0);
  }

  /**
   * @param name the image's name
   * @param image a decoded image (any size; preprocessed as the model's card says)
   * @param options method, heads, targets, settings
   * @return its explanation
   */
  public Explanation explain(String name, DecodedImage image, ExplainOptions options) {
    check();
    Explainer e = explainer(options);
    List<Head> heads = heads(options);
    options.target().checkAll(heads);
    return run(e, () -> explainDecoded(List.of(new Decoded(name, image, null)), e, heads, options)).get(0);
  }

  /**
   * Explains images the caller already preprocessed: [n, C, S, S] floats.
   *
   * @param x the images
   * @param n how many
   * @param options method, heads, targets, settings
   * @return for each image, each head and each target: one attribution
   */
  public List<Attribution> explain(float[] x, int n, ExplainOptions options) {
    check();
    Explainer e = explainer(options);
    List<Head> heads = heads(options);
    return run(e, () -> e.explain(Images.of(x, n, pre.channels(), pre.height()), heads, options.target()));
  }

  /**
   * Explains preprocessed images in a buffer (direct or heap): [n, C, S, S] floats from its position.
   *
   * @param x the images
   * @param n how many
   * @param options method, heads, targets, settings
   * @return for each image, each head and each target: one attribution
   */
  public List<Attribution> explain(FloatBuffer x, int n, ExplainOptions options) {
    float[] a = new float[n * pre.size()];
    x.duplicate().get(a);
    return explain(a, n, options);
  }

  /**
   * Explains preprocessed images held in a CPU float32 tensor [n, C, S, S]; TVE reads it without a copy.
   *
   * @param images the tensor
   * @param options method, heads, targets, settings
   * @return for each image, each head and each target: one attribution
   */
  public List<Attribution> explain(Tensor images, ExplainOptions options) {
    check();
    Explainer e = explainer(options);
    List<Head> heads = heads(options);
    return run(e, () -> {
      if (e instanceof TveExplainer tve) return tve.explain(images, heads, options.target());
      try (PointerScope scope = new PointerScope()) {
        Tensor c = images.contiguous();
        float[] a = new float[(int) c.numel()];
        c.data_ptr_float().get(a);
        return e.explain(Images.of(a, (int) c.size(0), pre.channels(), pre.height()), heads, options.target());
      }
    });
  }

  /**
   * The explainer the options name, built once per method and settings and shared (explainers are thread-safe).
   *
   * @param options the options
   * @return the explainer
   */
  public Explainer explainer(ExplainOptions options) {
    check();
    String key = options.method() + "|" + options.settings();
    Explainer e = explainers.get(key);
    if (e != null) return e;
    Methods.check(List.of(options.method()));
    if (Methods.needsExplainer(options.method()) && explainer == null) {
      throw new TveException("method " + options.method() + " needs a TVE explainer: open one with Tve.open(model, explainer)");
    }
    MethodContext ctx = new MethodContext(model, explainer, engine, options.settings());
    return explainers.computeIfAbsent(key, k -> Methods.create(options.method(), ctx));
  }

  private List<Head> heads(ExplainOptions options) {
    if (options.heads().isEmpty()) return List.of(defaultHead());
    List<Head> out = new ArrayList<>();
    for (String h : options.heads()) {
      if (!model.heads().containsKey(h)) throw new UnknownNameException("head", h, List.copyOf(model.heads().keySet()));
      out.add(model.head(h));
    }
    return out;
  }

  /** An input image, decoded, or the reason it could not be. */
  private record Decoded(String name, DecodedImage image, String error) {}

  private List<Explanation> explainFiles(List<Path> files, Explainer e, List<Head> heads, ExplainOptions options) {
    List<Decoded> decoded = new ArrayList<>();
    for (Path f : files) {
      try {
        if (!Files.exists(f)) throw new ImageDataException(f, "no such file or folder");
        decoded.add(new Decoded(f.toString(), decoder.decode(f), null));
      } catch (ImageDataException ex) {
        decoded.add(new Decoded(f.toString(), null, ex.reason()));
      } catch (IOException ex) {
        decoded.add(new Decoded(f.toString(), null, ex.getMessage()));
      }
    }
    return explainDecoded(decoded, e, heads, options);
  }

  /** One explainer call for the decoded images of a batch; the others become error explanations, in order. */
  private List<Explanation> explainDecoded(List<Decoded> images, Explainer e, List<Head> heads, ExplainOptions options) {
    int f = pre.size();
    // Native memory from the start: the batch becomes the encoder's tensor without a copy.
    FloatBuffer x = dev.tve.image.ImageBatch.allocate(Math.max(1, images.size()), pre.channels(), pre.height(), pre.width());
    int n = 0;
    for (Decoded d : images) {
      if (d.image() == null) continue;
      pre.apply(d.image(), x, n * f);
      n++;
    }
    List<Attribution> maps;
    String failed = null;
    try {
      maps = n == 0 ? List.of() : e.explain(Images.of(x, n, pre.channels(), pre.height()), heads, options.target());
    } catch (RuntimeException ex) {
      // The model failed on this batch (a user's encoder that raises, a non-finite embedding): its images fail with the reason.
      maps = List.of();
      failed = BatchPipeline.modelFailure(ex, n);
    }
    int per = n == 0 || failed != null ? 0 : maps.size() / n;
    List<Explanation> out = new ArrayList<>();
    int k = 0;
    for (Decoded d : images) {
      if (d.image() == null || failed != null) {
        out.add(new Explanation(d.name(), List.of(), d.image() == null ? d.error() : failed));
      } else {
        out.add(new Explanation(d.name(), maps.subList(k * per, (k + 1) * per), null));
        k++;
      }
    }
    return out;
  }

  private static String safeName(String name) {
    String s = name.replace('\u0000', '_');
    return s.isEmpty() ? "image" : s;
  }

  private static ProjectionEngine engine(Device device) {
    return switch (device) {
      case AUTO -> ProjectionEngine.create();
      case CPU -> ProjectionEngine.builder().optBackend(Backend.CPU).build();
      case CUDA -> {
        if (CudaDevices.list().isEmpty()) throw new TveException("device CUDA: " + CudaDevices.unavailableReason());
        yield ProjectionEngine.builder().optBackend(Backend.CUDA).build();
      }
    };
  }

  private void check() {
    if (closed) throw new IllegalStateException("this Tve is closed");
  }

  /**
   * One batch's work: refused once closed, never overlapping close() (which waits for it), and inside
   * the thread policy's forward or backward scope, so that a gradient method on one thread never
   * changes the maps of another (see {@link ThreadPolicy#backwardScope()}).
   */
  private <T> T run(Explainer e, Supplier<T> work) {
    life.readLock().lock();
    try {
      check();
      try (ThreadPolicy.Scope scope = ThreadPolicy.scope(e.usesGradients())) {
        return work.get();
      }
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * Releases the model's and the explainer's native memory once the batches in flight on other
   * threads are done; calls and batches after that throw {@link IllegalStateException}. Idempotent.
   *
   * @throws IllegalStateException when called from inside one of this Tve's own calls
   */
  @Override
  public void close() {
    if (life.getReadHoldCount() > 0) throw new IllegalStateException("close() called from inside one of this Tve's calls");
    life.writeLock().lock();
    try {
      if (closed) return;
      closed = true;
      explainers.clear();
      if (explainer != null) explainer.close();
      model.close();
    } finally {
      life.writeLock().unlock();
    }
  }

  /** Builder of {@link Tve}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private Path modelDir, explainerDir;
    private boolean explainerSet;
    private Device device = Device.AUTO;
    private ImageDecoder decoder;
    private Integer torchThreads;

    private Builder() {}

    /** @param v a model folder (default: the embedded zoo's) @return this */
    public Builder optModel(Path v) { modelDir = v; return this; }
    /** @param v its explainer folder, or null for none (default: the embedded zoo's with the embedded model, else none) @return this */
    public Builder optExplainer(Path v) { explainerDir = v; explainerSet = true; return this; }
    /** @param v where the projection runs (default AUTO) @return this */
    public Builder optDevice(Device v) { device = v; return this; }
    /** @param v the image decoder (limits on size and pixels) @return this */
    public Builder optDecoder(ImageDecoder v) { decoder = v; return this; }
    /**
     * libtorch's intra-op threads for the whole process (default: setting {@code tve.torch.threads}, else 1;
     * 0 leaves libtorch's own). More threads are slower on small machines.
     *
     * @param v threads
     * @return this
     */
    public Builder optTorchThreads(int v) { torchThreads = v; return this; }

    /**
     * Opens the model and explainer, checking every file against its card.
     *
     * @return the engine
     * @throws dev.tve.runtime.ModelFileException when a file is missing or does not match
     */
    public Tve build() {
      NativeLibraries.load();           // every native library, under the cache lock (concurrent first starts)
      Path m = modelDir, x = explainerDir;
      if (m == null) {
        Path zoo = EmbeddedZoo.locate();
        m = zoo.resolve("scene-vit");
        if (!explainerSet) x = zoo.resolve("explainer");
      }
      if (torchThreads == null) ThreadPolicy.apply();
      else if (torchThreads > 0) ThreadPolicy.apply(torchThreads);
      TargetModel model;
      try {
        model = TargetModel.load(m);
      } catch (IOException e) {
        throw new dev.tve.runtime.ModelFileException(m, "cannot read (" + e.getMessage() + ")", e);
      }
      ExplainerFiles.Loaded loaded = null;
      try {
        if (x != null) loaded = ExplainerFiles.load(x, model.card() == null ? null : model.card().weightsSha256());
        return new Tve(model, loaded, device, decoder != null ? decoder : ImageDecoder.create(), m, x);
      } catch (IOException e) {
        model.close();
        throw new dev.tve.runtime.ModelFileException(x, "cannot read (" + e.getMessage() + ")", e);
      } catch (RuntimeException e) {
        if (loaded != null) loaded.close();
        model.close();
        throw e;
      }
    }
  }
}
