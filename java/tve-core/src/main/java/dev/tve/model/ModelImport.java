package dev.tve.model;

import dev.tve.image.Preprocessing;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.runtime.ModelFileException;
import dev.tve.runtime.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.bytedeco.pytorch.global.torch;

/**
 * Imports a user's TorchScript classifier as a model folder every command takes ({@code tve import}):
 * the encoder ({@code forward(x)}: [B, C, S, S] to [B, D], optionally {@code tokens}/{@code features},
 * see {@link TorchScriptEncoder}) and one or more heads on its embeddings. Everything is checked before
 * anything is written (the encoder on a probe batch, each head's D and weights, each labels file's
 * count), then the folder is written beside its destination and renamed into place, so a failed
 * import leaves nothing behind.
 *
 * <p>A head is {@code [NAME=]SPEC}, SPEC one of: {@code head.pt} (a TorchScript {@code Linear}, or any
 * module with exactly two parameters W [C, D], b [C], or four W1 [H, D], b1 [H], W2 [C, H], b2 [C] read
 * as Linear, GELU, Linear), {@code model.pt:fc.weight,fc.bias} (named parameters of a module; four
 * names for an MLP), {@code W.npy,b.npy} or {@code W1.npy,b1.npy,W2.npy,b2.npy} (float32).
 *
 * <pre>{@code
 * Path dir = ModelImport.builder(Path.of("encoder.pt"), 224, 16)
 *     .optHead("species", "fc.pt", Path.of("labels.txt"))
 *     .build().write(Path.of("models/mine"));
 * TargetModel model = TargetModel.load(dir);
 * }</pre>
 */
public final class ModelImport {
  /** The encoder's file name inside a model folder. */
  public static final String ENCODER_FILE = "encoder.torchscript.pt";

  /**
   * One head to import.
   *
   * @param name its name (letters, digits, '.', '_', '-')
   * @param spec where its weights are (see the class comment)
   * @param classes a labels file (one class name per line), or null for "0".."C-1"
   */
  public record HeadSource(String name, String spec, Path classes) {}

  /** Batch sizes the encoder is probed at: one image, two, and the engine's default batch (tve explain --batch). */
  public static final int[] PROBE_BATCHES = {1, 2, 32};

  private final Path encoder;
  private final InputSpec input;
  private final int patch;
  private final List<HeadSource> heads;

  private ModelImport(Builder b) {
    encoder = b.encoder;
    patch = b.patch;
    heads = List.copyOf(b.heads);
    float[] mean = b.mean != null ? perChannel(b.mean, b.channels, "mean") : defaults(b.channels, 0.485f, 0.456f, 0.406f, 0.5f);
    float[] std = b.std != null ? perChannel(b.std, b.channels, "std") : defaults(b.channels, 0.229f, 0.224f, 0.225f, 0.5f);
    if (b.size < 1 || patch < 1 || b.size % patch != 0) throw new IllegalArgumentException("--size " + b.size + " is not a multiple of --patch " + patch);
    for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("--std must be positive: " + Arrays.toString(std));
    input = new InputSpec(b.size, b.channels, mean, std, b.inputScale, b.channelOrder, b.resize, b.size / patch);
  }

  /**
   * @param encoder the TorchScript encoder file
   * @param size its input side S
   * @param patch the maps' patch side P in pixels (the grid is S / P cells a side)
   * @return a builder
   */
  public static Builder builder(Path encoder, int size, int patch) {
    return new Builder(encoder, size, patch);
  }

  /** @return the input the imported model takes */
  public InputSpec input() { return input; }

  /**
   * Checks everything and writes the model folder {@code out} (which must not exist or be empty).
   *
   * @param out the model folder
   * @return {@code out}
   * @throws IOException when a file cannot be read or written
   * @throws ModelFileException when a file does not fit (naming it and why)
   */
  public Path write(Path out) throws IOException {
    if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
      throw new ModelFileException(out, "exists; import into a new folder");
    }
    if (heads.isEmpty()) throw new IllegalArgumentException("import needs at least one --head");
    TorchScriptEncoder enc = TorchScriptEncoder.load(encoder, input.channels(), input.size(), input.grid());
    try {
      enc.probeBatches(PROBE_BATCHES);
    } catch (RuntimeException e) {
      enc.close();
      throw e;
    }
    List<Head> loaded = new ArrayList<>();
    for (HeadSource h : heads) {
      if (!h.name().matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("head name '" + h.name() + "': use letters, digits, '.', '_' or '-'");
      if (loaded.stream().anyMatch(x -> x.name().equals(h.name()))) throw new IllegalArgumentException("two heads named '" + h.name() + "'");
      Head head = readHead(h);
      if (head.dim() != enc.dim()) {
        throw new ModelFileException(Path.of(h.spec().split("[:,]")[0]), "head '" + h.name() + "' takes D=" + head.dim() + " but the encoder "
            + encoder.getFileName() + " gives D=" + enc.dim());
      }
      loaded.add(head);
    }
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".import-");
    try {
      Files.copy(encoder, tmp.resolve(ENCODER_FILE));
      for (Head h : loaded) Heads.save(tmp, h);
      Map<String, String> files = new LinkedHashMap<>();
      try (Stream<Path> s = Files.list(tmp)) {
        for (Path p : s.sorted(Comparator.comparing(Path::toString)).toList()) {
          if (!p.getFileName().toString().equals(ENCODER_FILE)) files.put(p.getFileName().toString(), ModelCard.sha256(p));
        }
      }
      Map<String, Object> notes = new LinkedHashMap<>();
      notes.put("importedFrom", encoder.toAbsolutePath().toString());
      notes.put("exposes", enc.exposes());
      Map<String, String> from = new LinkedHashMap<>();
      for (HeadSource h : heads) from.put(h.name(), h.spec() + (h.classes() != null ? " (classes " + h.classes() + ")" : ""));
      notes.put("heads", from);
      Architecture arch = new Architecture(ModelCard.TORCHSCRIPT, input.channels(), input.size(), enc.dim(), Map.of("grid", input.grid(), "patch", patch));
      ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, "encoder", arch, loaded.get(0).classNames(), input, notes, Map.of(), Map.of(), 0,
          ENCODER_FILE, ModelCard.sha256(tmp.resolve(ENCODER_FILE)), null, Version.VERSION, files, loaded.stream().map(Head::name).toList());
      card.write(tmp.resolve("encoder.card.json"));
      if (Files.isDirectory(out)) Files.delete(out);      // empty, checked above
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    } finally {
      enc.close();
    }
    return out;
  }

  /** Reads one head from its spec, with its class names; non-finite weights are refused. */
  static Head readHead(HeadSource h) throws IOException {
    String spec = h.spec();
    List<String> classes = h.classes() == null ? null : readLabels(h.classes());
    Head head;
    java.util.regex.Matcher named = java.util.regex.Pattern.compile("(.+\\.pt):([^:/]+)").matcher(spec);
    if (spec.endsWith(".npy") || spec.contains(".npy,")) {
      String[] f = spec.split(",");
      float[][] a = new float[f.length][];
      long[][] shapes = new long[f.length][];
      for (int i = 0; i < f.length; i++) {
        NpyArray n = Npy.read(Path.of(f[i]));
        if (n.dtype() != NpyArray.DType.FLOAT32) throw new ModelFileException(Path.of(f[i]), "need float32, got " + n);
        a[i] = n.toFloatArray();
        shapes[i] = n.shape();
      }
      head = fromArrays(h.name(), Path.of(f[0]), a, shapes, f);
    } else if (named.matches()) {
      head = fromModule(h.name(), Path.of(named.group(1)), List.of(named.group(2).split(",")));
    } else {
      head = fromModule(h.name(), Path.of(spec), null);
    }
    if (classes != null && classes.size() != head.classes()) {
      throw new ModelFileException(h.classes(), classes.size() + " class names, but head '" + h.name() + "' has " + head.classes() + " classes");
    }
    return classes == null ? head : rename(head, classes);
  }

  private static Head rename(Head head, List<String> classes) {
    if (head instanceof LinearHead l) return new LinearHead(l.name(), l.weight(), l.bias(), classes);
    MlpHead m = (MlpHead) head;
    return new MlpHead(m.name(), m.dim(), m.hidden(), m.w1(), m.b1(), m.w2(), m.b2(), classes);
  }

  /** Named parameters (or all, in order) of a TorchScript module: two for a linear head, four for an MLP. */
  private static Head fromModule(String name, Path file, List<String> wanted) {
    JitModule m = TorchScriptEncoder.loadModule(file);
    Map<String, Tensor> all = new LinkedHashMap<>();
    named_parameter_list params = m.named_parameters(true);
    for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
      NamedTensor nt = it.access();
      all.put(nt.name().getString(), nt.value().detach().to(torch.ScalarType.Float).contiguous());
    }
    List<String> names = wanted != null ? wanted : new ArrayList<>(all.keySet());
    if (names.size() != 2 && names.size() != 4) {
      throw new ModelFileException(file, (wanted == null ? "has parameters " + all.keySet() : "names " + wanted) + "; a head needs 2 (W, b) or 4 "
          + "(W1, b1, W2, b2): name them as FILE:W,b");
    }
    float[][] a = new float[names.size()][];
    long[][] shapes = new long[names.size()][];
    for (int i = 0; i < names.size(); i++) {
      Tensor t = all.get(names.get(i));
      if (t == null) throw new ModelFileException(file, "no parameter '" + names.get(i) + "' (has " + all.keySet() + ")");
      shapes[i] = t.sizes().vec().get();
      a[i] = new float[(int) t.numel()];
      t.data_ptr_float().get(a[i]);
    }
    String[] labels = names.stream().map(n -> file.getFileName() + ":" + n).toArray(String[]::new);
    return fromArrays(name, file, a, shapes, labels);
  }

  private static Head fromArrays(String name, Path file, float[][] a, long[][] s, String[] what) {
    for (int i = 0; i < a.length; i++) {
      for (float v : a[i]) if (!Float.isFinite(v)) throw new ModelFileException(file, what[i] + " holds a non-finite value (NaN or infinity)");
    }
    if (a.length == 2) {
      if (s[0].length != 2 || s[1].length != 1 || s[1][0] != s[0][0]) {
        throw new ModelFileException(file, "a linear head needs W [C, D] and b [C]; got " + Arrays.toString(s[0]) + " and " + Arrays.toString(s[1]));
      }
      return new LinearHead(name, a[0], a[1], numbered((int) s[0][0]));
    }
    if (a.length == 4) {
      if (s[0].length != 2 || s[1].length != 1 || s[2].length != 2 || s[3].length != 1 || s[1][0] != s[0][0] || s[2][1] != s[0][0] || s[3][0] != s[2][0]) {
        throw new ModelFileException(file, "an MLP head needs W1 [H, D], b1 [H], W2 [C, H], b2 [C]; got " + Arrays.toString(s[0]) + ", "
            + Arrays.toString(s[1]) + ", " + Arrays.toString(s[2]) + ", " + Arrays.toString(s[3]));
      }
      return new MlpHead(name, (int) s[0][1], (int) s[0][0], a[0], a[1], a[2], a[3], numbered((int) s[2][0]));
    }
    throw new ModelFileException(file, "a head needs 2 arrays (W, b) or 4 (W1, b1, W2, b2), got " + a.length);
  }

  private static List<String> numbered(int c) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < c; i++) out.add(Integer.toString(i));
    return out;
  }

  /**
   * @param file one class name per line (blank lines at the end ignored)
   * @return the names
   * @throws IOException when it cannot be read
   */
  public static List<String> readLabels(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new ModelFileException(file, "no such labels file");
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
    for (int i = 0; i < lines.size(); i++) {
      lines.set(i, lines.get(i).strip());
      if (lines.get(i).isEmpty()) throw new ModelFileException(file, "line " + (i + 1) + " is blank; one class name per line");
    }
    if (lines.isEmpty()) throw new ModelFileException(file, "no class names");
    return lines;
  }

  private static float[] perChannel(float[] v, int channels, String what) {
    if (v.length == channels) return v.clone();
    if (v.length != 1) throw new IllegalArgumentException("--" + what + ": " + v.length + " values for " + channels + " channels");
    float[] o = new float[channels];
    Arrays.fill(o, v[0]);
    return o;
  }

  private static float[] defaults(int channels, float r, float g, float b, float grey) {
    return channels == 3 ? new float[] {r, g, b} : new float[] {grey};
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: the folder is a hidden temporary beside the destination
    }
  }

  /** Builder of {@link ModelImport}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final Path encoder;
    private final int size, patch;
    private int channels = 3;
    private float[] mean, std;
    private float inputScale = 1;
    private Preprocessing.ChannelOrder channelOrder = Preprocessing.ChannelOrder.RGB;
    private Preprocessing.Resize resize = Preprocessing.Resize.STRETCH;
    private final List<HeadSource> heads = new ArrayList<>();

    private Builder(Path encoder, int size, int patch) {
      this.encoder = encoder;
      this.size = size;
      this.patch = patch;
    }

    /** @param v input channels, 1 or 3 (default 3) @return this */
    public Builder optChannels(int v) { channels = v; return this; }
    /** @param v per-channel mean of pixels in [0, 1] (default ImageNet's for RGB, 0.5 grey) @return this */
    public Builder optMean(float... v) { mean = v.clone(); return this; }
    /** @param v per-channel std (default ImageNet's for RGB, 0.5 grey) @return this */
    public Builder optStd(float... v) { std = v.clone(); return this; }
    /** @param v the value of a full-intensity pixel before normalisation (default 1) @return this */
    public Builder optInputScale(float v) { inputScale = v; return this; }
    /** @param v channel order the model expects (default RGB) @return this */
    public Builder optChannelOrder(Preprocessing.ChannelOrder v) { channelOrder = v; return this; }
    /** @param v how images are fitted to the side (default stretch) @return this */
    public Builder optResize(Preprocessing.Resize v) { resize = v; return this; }

    /**
     * @param name the head's name
     * @param spec its weights (see the class comment)
     * @param classes its labels file, or null
     * @return this
     */
    public Builder optHead(String name, String spec, Path classes) {
      heads.add(new HeadSource(name, spec, classes));
      return this;
    }

    /** @return the import */
    public ModelImport build() {
      if (channels != 1 && channels != 3) throw new IllegalArgumentException("--channels " + channels + ": 1 or 3");
      return new ModelImport(this);
    }
  }
}
