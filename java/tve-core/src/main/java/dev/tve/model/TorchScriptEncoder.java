package dev.tve.model;

import dev.tve.image.NativeTensors;
import dev.tve.runtime.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;

/**
 * A user's TorchScript encoder. The contract:
 *
 * <ul>
 *   <li>{@code forward(x)}: [B, C, S, S] float32 to [B, D] float32 (required);
 *   <li>{@code tokens(x)}: [B, T, D'] patch tokens, T = g*g or g*g + 1 ([CLS] first), ViT-like (optional);
 *   <li>{@code features(x)}: [B, C', h, w] the last feature map, h = w tiling the g x g grid, CNN-like (optional);
 *   <li>{@code from_tokens(t)} / {@code from_features(f)}: the rest of the network, so that
 *       {@code forward(x) == from_features(features(x))} (optional; Grad-CAM needs one of them).
 * </ul>
 *
 * The TVE explainer's trunk is a trainable copy of this module, read through {@code tokens} or
 * {@code features}; without either it is a fresh ViT. Loading probes every method the module has on
 * a seeded random batch of two images, so a module that does not keep the contract is a clear error
 * naming the file and the method before any image is read. Weights are frozen at load: Saliency and
 * Integrated Gradients differentiate to the input only.
 *
 * <pre>{@code
 * TorchScriptEncoder enc = TorchScriptEncoder.load(Path.of("encoder.pt"), 3, 224, 14);
 * if (enc.hasFeatures()) { ... }
 * }</pre>
 *
 * In eval mode after loading; {@link #embed} may be called from many threads.
 */
public final class TorchScriptEncoder implements DifferentiableEncoder, AutoCloseable {
  /** The optional methods of the contract. */
  public static final String TOKENS = "tokens", FEATURES = "features", FROM_TOKENS = "from_tokens", FROM_FEATURES = "from_features";

  private final JitModule module;
  private final Path file;
  private final int channels, imageSize, dim, grid;
  private final boolean tokens, features, fromTokens, fromFeatures;
  private final long[] trunkShape;   // per image: [T, D'] or [C', h, w]; null without tokens or features

  private TorchScriptEncoder(JitModule module, Path file, int channels, int imageSize, int dim, int grid, boolean[] has, long[] trunkShape) {
    this.module = module;
    this.file = file;
    this.channels = channels;
    this.imageSize = imageSize;
    this.dim = dim;
    this.grid = grid;
    this.tokens = has[0];
    this.features = has[1];
    this.fromTokens = has[2];
    this.fromFeatures = has[3];
    this.trunkShape = trunkShape;
  }

  /** Loads and probes a TorchScript encoder for inputs [B, channels, imageSize, imageSize], no grid check. */
  public static TorchScriptEncoder load(Path file, int channels, int imageSize) {
    return load(file, channels, imageSize, 0);
  }

  /**
   * Loads and probes a TorchScript encoder.
   *
   * @param file the TorchScript file
   * @param channels input channels C
   * @param imageSize input side S
   * @param grid the maps' grid side g that tokens / features must fit (0: not checked)
   * @return the encoder, frozen, in eval mode
   * @throws ModelFileException when the module does not keep the contract
   */
  public static TorchScriptEncoder load(Path file, int channels, int imageSize, int grid) {
    JitModule m = loadModule(file);
    FiniteWeights.check(m, file);
    m.eval();
    setRequiresGrad(m, false);
    boolean[] has = {hasMethod(m, TOKENS), hasMethod(m, FEATURES), hasMethod(m, FROM_TOKENS), hasMethod(m, FROM_FEATURES)};
    int d;
    long[] trunk = null;
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor x = probeInput(channels, imageSize);
      String in = "input [2, " + channels + ", " + imageSize + ", " + imageSize + "]";
      Tensor e = call(m, file, "forward", x, in);
      long[] s = checkFloat(file, "forward(x)", e, in, 2);
      if (s[0] != 2) throw new ModelFileException(file, "forward(x) returned " + Arrays.toString(s) + " for " + in + "; an encoder returns [B, D]");
      if (!e.isfinite().all().item_bool()) throw new ModelFileException(file, "forward(x) returned NaN or infinity for " + in + "; embeddings must be finite");
      d = (int) s[1];
      if (has[0]) {
        Tensor t = call(m, file, TOKENS, x, in);
        long[] ts = checkFloat(file, "tokens(x)", t, in, 3);
        if (ts[0] != 2 || (grid > 0 && ts[1] != (long) grid * grid && ts[1] != (long) grid * grid + 1)) {
          throw new ModelFileException(file, "tokens(x) returned " + Arrays.toString(ts) + " for " + in + "; need [B, T, D'] with T = "
              + (grid * grid) + " or " + (grid * grid + 1) + " (a " + grid + " x " + grid + " grid, [CLS] first)");
        }
        trunk = new long[] {ts[1], ts[2]};
        if (has[2]) checkSame(file, FROM_TOKENS + "(tokens(x))", call(m, file, FROM_TOKENS, t, "tokens(x)"), e);
      } else if (has[2]) {
        throw new ModelFileException(file, "has from_tokens but no tokens(x)");
      }
      if (has[1]) {
        Tensor f = call(m, file, FEATURES, x, in);
        long[] fs = checkFloat(file, "features(x)", f, in, 4);
        if (fs[0] != 2 || fs[2] != fs[3] || (grid > 0 && fs[2] % grid != 0 && grid % fs[2] != 0)) {
          throw new ModelFileException(file, "features(x) returned " + Arrays.toString(fs) + " for " + in + "; need [B, C', h, h] with h a multiple "
              + "or a divisor of the grid side " + grid);
        }
        if (trunk == null) trunk = new long[] {fs[1], fs[2], fs[3]};
        if (has[3]) checkSame(file, FROM_FEATURES + "(features(x))", call(m, file, FROM_FEATURES, f, "features(x)"), e);
      } else if (has[3]) {
        throw new ModelFileException(file, "has from_features but no features(x)");
      }
    }
    return new TorchScriptEncoder(m, file, channels, imageSize, d, grid, has, trunk);
  }

  /**
   * Runs the encoder on seeded noise at each batch size and checks what {@link #load} checks at one:
   * it runs, returns float32 [B, D], finite, and embeds each image as it does alone (within float
   * rounding: 1e-3 of the largest value). The engine batches images, so a model that fails or changes
   * at some batch size would fail or mislead at explain time; {@code tve import} probes 1, 2 and the
   * default batch.
   *
   * @param sizes the batch sizes
   * @throws ModelFileException naming the file, the batch size and what went wrong
   */
  public void probeBatches(int... sizes) {
    float[] alone = null;
    for (int b : sizes) {
      if (b < 1) throw new IllegalArgumentException("batch size " + b);
      String in = "a batch of " + b + " [" + b + ", " + channels + ", " + imageSize + ", " + imageSize + "]";
      float[] e;
      try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
        Tensor out = call(module, file, "forward", probeInput(b, channels, imageSize), in);
        long[] s = checkFloat(file, "forward(x)", out, in, 2);
        if (s[0] != b || s[1] != dim) throw new ModelFileException(file, "forward(x) returned " + Arrays.toString(s) + " for " + in + "; need [" + b + ", " + dim + "]");
        if (!out.isfinite().all().item_bool()) throw new ModelFileException(file, "forward(x) returned NaN or infinity for " + in + "; embeddings must be finite");
        e = new float[dim];
        out.select(0, 0).contiguous().data_ptr_float().get(e);
      }
      if (alone == null) {
        alone = e;
        continue;
      }
      double diff = 0, scale = 1;
      for (int i = 0; i < dim; i++) {
        diff = Math.max(diff, Math.abs((double) e[i] - alone[i]));
        scale = Math.max(scale, 1 + Math.abs(alone[i]));
      }
      if (!(diff <= 1e-3 * scale)) {
        throw new ModelFileException(file, "embeds an image differently in " + in + " than in the first probe's batch (by " + (float) diff
            + "); export the model in eval mode (BatchNorm, dropout)");
      }
    }
  }

  /** Loads a TorchScript file, or a clear error naming it. */
  public static JitModule loadModule(Path file) {
    if (!Files.isRegularFile(file)) throw new ModelFileException(file, "no such file");
    try {
      return torch.load(file.toString());
    } catch (RuntimeException e) {
      throw new ModelFileException(file, "not a TorchScript module (" + firstLine(e) + ")", e);
    }
  }

  /** Sets requires_grad on every parameter of a module. */
  public static void setRequiresGrad(JitModule m, boolean on) {
    named_parameter_list params = m.named_parameters(true);
    for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
      it.access().value().requires_grad_(on);
    }
  }

  /** @return whether the module has a method of that name */
  public static boolean hasMethod(JitModule m, String name) {
    return m.find_method(name).has_value();
  }

  /** Runs a one-argument method; a module error becomes a clear error naming the file and the method. */
  private static Tensor call(JitModule m, Path file, String method, Tensor x, String what) {
    IValue out;
    try {
      out = method.equals("forward") ? m.forward(new IValueVector(new IValue(x))) : m.get_method(method).apply(new IValueVector(new IValue(x)));
    } catch (RuntimeException ex) {
      throw new ModelFileException(file, method + " fails on " + what + " (" + firstLine(ex) + ")", ex);
    }
    if (!out.isTensor()) throw new ModelFileException(file, method + " must return one tensor");
    return out.toTensor();
  }

  private static long[] checkFloat(Path file, String what, Tensor t, String in, int rank) {
    long[] s = t.sizes().vec().get();
    if (t.scalar_type().value != torch.ScalarType.Float.value) {
      throw new ModelFileException(file, what + " returned " + t.scalar_type() + " for " + in + "; need float32");
    }
    if (s.length != rank) {
      throw new ModelFileException(file, what + " returned " + Arrays.toString(s) + " for " + in + "; need " + (rank == 2 ? "[B, D]" : rank == 3
          ? "[B, T, D']" : "[B, C', h, w]"));
    }
    return s;
  }

  private static void checkSame(Path file, String what, Tensor got, Tensor want) {
    long[] gs = got.sizes().vec().get(), ws = want.sizes().vec().get();
    if (!Arrays.equals(gs, ws)) throw new ModelFileException(file, what + " is " + Arrays.toString(gs) + ", forward(x) " + Arrays.toString(ws));
    double diff = got.sub(want).abs().max().item_double(), scale = 1 + want.abs().max().item_double();
    if (!(diff <= 1e-4 * scale)) throw new ModelFileException(file, what + " differs from forward(x) by " + diff + "; they must compute the same embedding");
  }

  /** Two seeded N(0, 1) images: the probe every method is checked on. */
  private static Tensor probeInput(int channels, int size) {
    return probeInput(2, channels, size);
  }

  /** n seeded N(0, 1) images; the first ones are the same for every n. */
  private static Tensor probeInput(int n, int channels, int size) {
    float[] v = new float[n * channels * size * size];
    SplittableRandom r = new SplittableRandom(20240601L);
    for (int i = 0; i < v.length; i++) v[i] = (float) gaussian(r);
    return NativeTensors.copyOf(v, 0, n, channels, size, size);
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble(), w = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  public Path file() { return file; }

  /** @return whether the module has {@code tokens(x)} */
  public boolean hasTokens() { return tokens; }

  /** @return whether the module has {@code features(x)} */
  public boolean hasFeatures() { return features; }

  /** @return the grid side the module was checked against (0: none) */
  public int grid() { return grid; }

  /**
   * @return the per-image shape of what the explainer trunk reads: [T, D'] from {@code tokens},
   *     else [C', h, w] from {@code features}; null when the module exposes neither
   */
  public long[] trunkShape() { return trunkShape == null ? null : trunkShape.clone(); }

  /** @return "tokens", "features" or null: the method an explainer trunk copied from this module reads */
  public String trunkMethod() { return tokens ? TOKENS : features ? FEATURES : null; }

  /** @return the methods of the contract the module has, for messages and cards */
  public java.util.List<String> exposes() {
    java.util.List<String> l = new java.util.ArrayList<>(java.util.List.of("forward"));
    if (tokens) l.add(TOKENS);
    if (fromTokens) l.add(FROM_TOKENS);
    if (features) l.add(FEATURES);
    if (fromFeatures) l.add(FROM_FEATURES);
    return l;
  }

  @Override
  public int dim() { return dim; }

  @Override
  public int channels() { return channels; }

  @Override
  public int imageSize() { return imageSize; }

  @Override
  public float[] embed(Tensor images) {
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor e = forward(images).contiguous();
      float[] out = new float[(int) e.numel()];
      e.data_ptr_float().get(out);
      return out;
    }
  }

  /** Embeddings [B, D] with gradients: the module's forward, checked for shape. */
  @Override
  public Tensor forward(Tensor images) {
    Tensor e = module.forward(new IValueVector(new IValue(images))).toTensor();
    if (e.dim() != 2 || e.size(1) != dim || e.scalar_type().value != torch.ScalarType.Float.value) {
      throw new IllegalStateException(file + ": forward returned " + Arrays.toString(e.sizes().vec().get()) + " " + e.scalar_type()
          + ", expected float32 [B, " + dim + "]");
    }
    return e;
  }

  /**
   * Grad-CAM's pass: {@code features(x)} (or {@code tokens(x)}) handed to {@code camLayer}, then
   * {@code from_features} ({@code from_tokens}) to the embedding; refused when the module has neither pair.
   */
  @Override
  public String camLayerMissing() {
    return fromFeatures || fromTokens ? null : "the encoder's feature map with the rest of the network: features(x) and "
        + "from_features(f), or tokens(x) and from_tokens(t); " + file + " exposes " + exposes();
  }

  @Override
  public Tensor forward(Tensor images, Consumer<Tensor> camLayer) {
    String tap = fromFeatures ? FEATURES : fromTokens ? TOKENS : null;
    if (tap == null) throw new IllegalArgumentException("grad-cam needs " + camLayerMissing());
    Tensor a = module.get_method(tap).apply(new IValueVector(new IValue(images))).toTensor();
    camLayer.accept(a);
    return module.get_method(tap.equals(FEATURES) ? FROM_FEATURES : FROM_TOKENS).apply(new IValueVector(new IValue(a))).toTensor();
  }

  /**
   * A trainable copy of the module (its current weights, gradients on), in eval mode: the TVE
   * explainer's trunk starts here.
   *
   * @return the copy
   */
  public JitModule trainableCopy() {
    JitModule m = module.deepcopy();
    m.eval();
    setRequiresGrad(m, true);
    return m;
  }

  /**
   * The same module with every parameter redrawn from a Gaussian of that tensor's own mean and
   * standard deviation (seeded): the randomised-model sanity check (Adebayo et al., 2018).
   * BatchNorm statistics and other buffers are kept.
   *
   * @param seed the draw's seed
   * @return the randomised encoder (frozen, eval mode)
   */
  public TorchScriptEncoder randomised(long seed) {
    JitModule m = module.deepcopy();
    m.eval();
    SplittableRandom r = new SplittableRandom(seed);
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      named_parameter_list params = m.named_parameters(true);
      for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
        Tensor t = it.access().value();
        Tensor f = t.to(torch.ScalarType.Float).contiguous();
        float[] v = new float[(int) f.numel()];
        f.data_ptr_float().get(v);
        double mean = 0, sq = 0;
        for (float a : v) mean += a / (double) v.length;
        for (float a : v) sq += (a - mean) * (a - mean) / Math.max(1, v.length - 1);
        double sd = v.length > 1 ? Math.sqrt(sq) : Math.abs(mean) + 1e-3;
        for (int i = 0; i < v.length; i++) v[i] = (float) (mean + sd * gaussian(r));
        t.copy_(NativeTensors.copyOf(v, 0, t.sizes().vec().get()));
      }
    }
    setRequiresGrad(m, false);
    return new TorchScriptEncoder(m, file, channels, imageSize, dim, grid, new boolean[] {tokens, features, fromTokens, fromFeatures}, trunkShape);
  }

  @Override
  public String architectureName() {
    return "TorchScript " + file.getFileName();
  }

  /** Releases the module's native memory; the encoder must not be used afterwards. */
  @Override
  public void close() {
    module.close();
  }
}
