package dev.tve.model;

import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads users' linear heads: W and b as {@code .npy}, a TorchScript {@code Linear} (parameters
 * {@code weight} and {@code bias}), or any named parameters of a TorchScript module (e.g.
 * {@code fc.weight}). Saves and loads our own heads, linear or MLP, as {@code NAME.head.json} (kind,
 * classes, sizes) beside float32 {@code .npy} arrays. {@link #check} refuses a head whose D does not
 * match the encoder's.
 *
 * <pre>{@code
 * LinearHead head = Heads.fromTorchScript(Path.of("model.pt"), "fc.weight", "fc.bias", classNames);
 * Heads.check(encoder, head);
 * Heads.save(dir, head);                       // dir/NAME.head.json, dir/NAME.w.npy, dir/NAME.b.npy
 * List<Head> all = Heads.loadAll(dir);
 * }</pre>
 */
public final class Heads {
  private Heads() {}

  /** W [C, D] and b [C] float32 .npy files; class names default to "0".."C-1" when null. */
  public static LinearHead fromNpy(Path weight, Path bias, List<String> classes) throws IOException {
    NpyArray w = Npy.read(weight);
    if (w.dtype() != NpyArray.DType.FLOAT32 || w.ndim() != 2) {
      throw new IllegalArgumentException(weight + ": head W must be float32 [C, D], got " + w);
    }
    float[] b = new float[(int) w.dim(0)];
    if (bias != null) {
      NpyArray ba = Npy.read(bias);
      if (ba.dtype() != NpyArray.DType.FLOAT32 || ba.ndim() != 1 || ba.dim(0) != w.dim(0)) {
        throw new IllegalArgumentException(bias + ": head b must be float32 [C=" + w.dim(0) + "], got " + ba);
      }
      b = ba.toFloatArray();
    }
    return new LinearHead(weight.getFileName().toString(), w.toFloatArray(), b, names(classes, (int) w.dim(0), weight));
  }

  /** A TorchScript Linear: parameters "weight" [C, D] and "bias" [C]. */
  public static LinearHead fromTorchScriptLinear(Path file, List<String> classes) {
    return fromTorchScript(file, "weight", "bias", classes);
  }

  /** Named parameters of a TorchScript module; {@code biasName} may be null (zero bias). */
  public static LinearHead fromTorchScript(Path file, String weightName, String biasName, List<String> classes) {
    JitModule m = TorchScriptEncoder.loadModule(file);
    Tensor w = null, b = null;
    List<String> seen = new ArrayList<>();
    named_parameter_list params = m.named_parameters(true);
    for (named_parameter_iterator it = params.begin(); it.notEquals(params.end()); it = it.increment()) {
      NamedTensor nt = it.access();
      String name = nt.name().getString();
      seen.add(name);
      if (name.equals(weightName)) w = nt.value().detach().to(torch.ScalarType.Float).contiguous();
      if (name.equals(biasName)) b = nt.value().detach().to(torch.ScalarType.Float).contiguous();
    }
    if (w == null) throw new IllegalArgumentException(file + ": no parameter '" + weightName + "' (has " + seen + ")");
    if (biasName != null && b == null) throw new IllegalArgumentException(file + ": no parameter '" + biasName + "' (has " + seen + ")");
    long[] ws = w.sizes().vec().get();
    if (ws.length != 2) throw new IllegalArgumentException(file + ": '" + weightName + "' is " + Arrays.toString(ws) + ", need [C, D]");
    int c = (int) ws[0], d = (int) ws[1];
    float[] wf = new float[c * d], bf = new float[c];
    w.data_ptr_float().get(wf);
    if (b != null) {
      if (b.numel() != c) throw new IllegalArgumentException(file + ": '" + biasName + "' has " + b.numel() + " values, need C=" + c);
      b.data_ptr_float().get(bf);
    }
    return new LinearHead(file.getFileName() + ":" + weightName, wf, bf, names(classes, c, file));
  }

  /** Refuses a head that does not fit the encoder, before any batch runs. */
  public static void check(Encoder encoder, Head head) {
    if (head.dim() != encoder.dim()) {
      throw new IllegalArgumentException("head '" + head.name() + "' takes D=" + head.dim() + " but the encoder gives D=" + encoder.dim());
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What {@code NAME.head.json} holds; {@code card} is the head's model card (how it was trained,
   * on what, its accuracy), null when there is none.
   */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  public record Descriptor(int formatVersion, String name, String kind, int dim, int hidden, List<String> classes, HeadCard card,
      java.util.Map<String, String> files, String weightsSha256) {
    /** @return this descriptor with its arrays' hashes */
    Descriptor hashed(java.util.Map<String, String> f) {
      return new Descriptor(formatVersion, name, kind, dim, hidden, classes, card, f, combined(f));
    }
  }

  /** The array files of a head of this kind, in their fixed order. */
  static List<String> arrays(String name, String kind) {
    return switch (kind) {
      case "linear" -> List.of(name + ".w.npy", name + ".b.npy");
      case "mlp" -> List.of(name + ".w1.npy", name + ".b1.npy", name + ".w2.npy", name + ".b2.npy");
      default -> List.of();
    };
  }

  /** A head's weights hash: SHA-256 of its arrays' "name:sha256" lines, in their fixed order. */
  static String combined(java.util.Map<String, String> files) {
    StringBuilder b = new StringBuilder();
    files.forEach((f, h) -> b.append(f).append(':').append(h).append('\n'));
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Each array file's SHA-256, in the fixed order. */
  static java.util.Map<String, String> hashArrays(Path dir, String name, String kind) throws IOException {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String f : arrays(name, kind)) m.put(f, ModelCard.sha256(dir.resolve(f)));
    return m;
  }

  /** The head file format this code writes (format 0: the same without {@code formatVersion}). */
  public static final int FORMAT_VERSION = 1;

  /**
   * A head's model card: what it is for and how it was made.
   *
   * @param purpose what the head classifies
   * @param form its form (linear, MLP) and what was folded into it
   * @param trainedOn the data it was fitted on
   * @param testedOn the data it was tested on
   * @param testAccuracy its accuracy there
   * @param encoderWeightsSha256 the encoder weights it sits on
   * @param recipe the command or step that made it
   */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  public record HeadCard(String purpose, String form, String trainedOn, String testedOn, double testAccuracy, String encoderWeightsSha256,
      String recipe) {}

  /** Writes a head as {@code dir/NAME.head.json} plus its arrays; every file atomically (temp, rename). */
  public static void save(Path dir, Head head) throws IOException {
    save(dir, head, null);
  }

  /**
   * As {@link #save(Path, Head)}, with a model card for the head.
   *
   * @param dir the model folder
   * @param head the head
   * @param card its card, or null
   * @throws IOException when a file cannot be written
   */
  public static void save(Path dir, Head head, HeadCard card) throws IOException {
    Files.createDirectories(dir);
    String n = head.name();
    if (!n.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("head name '" + n + "': use letters, digits, '.', '_' or '-'");
    int c = head.classes();
    Descriptor d;
    if (head instanceof LinearHead h) {
      Npy.write(dir.resolve(n + ".w.npy"), NpyArray.ofFloats(h.weight(), c, h.dim()));
      Npy.write(dir.resolve(n + ".b.npy"), NpyArray.ofFloats(h.bias(), c));
      d = new Descriptor(FORMAT_VERSION, n, "linear", h.dim(), 0, h.classNames(), card, null, null);
    } else if (head instanceof MlpHead h) {
      Npy.write(dir.resolve(n + ".w1.npy"), NpyArray.ofFloats(h.w1(), h.hidden(), h.dim()));
      Npy.write(dir.resolve(n + ".b1.npy"), NpyArray.ofFloats(h.b1(), h.hidden()));
      Npy.write(dir.resolve(n + ".w2.npy"), NpyArray.ofFloats(h.w2(), c, h.hidden()));
      Npy.write(dir.resolve(n + ".b2.npy"), NpyArray.ofFloats(h.b2(), c));
      d = new Descriptor(FORMAT_VERSION, n, "mlp", h.dim(), h.hidden(), h.classNames(), card, null, null);
    } else {
      throw new IllegalArgumentException("head '" + n + "': cannot save a " + head.getClass().getSimpleName());
    }
    d = d.hashed(hashArrays(dir, n, d.kind()));     // the arrays' hashes, checked on every load
    dev.tve.io.AtomicFiles.writeJson(dir.resolve(n + ".head.json"), d);
    // A head added to a saved model folder is declared in its card, so that loading takes it.
    Path cardFile = dir.resolve("encoder.card.json");
    if (Files.isRegularFile(cardFile)) {
      ModelCard model = ModelCard.read(cardFile);
      if (!model.heads().isEmpty() && !model.heads().contains(n)) {
        List<String> names = new ArrayList<>(model.heads());
        names.add(n);
        model.withHeads(names).write(cardFile);
      }
    }
  }

  /** Loads a head saved by {@link #save}, from its {@code NAME.head.json}. */
  public static Head load(Path json) throws IOException {
    Descriptor d = descriptor(json);
    Path dir = json.toAbsolutePath().getParent();
    // The name builds the arrays' file names and, later, output paths and report text: a plain name, the file's own.
    String n = ModelFolder.name(json, "name", d.name());
    if (!json.getFileName().toString().equals(n + ".head.json")) {
      throw new dev.tve.runtime.ModelFileException(json, "field 'name' holds '" + n + "', but the file is not " + n + ".head.json");
    }
    if (d.classes() == null || d.classes().isEmpty()) throw new dev.tve.runtime.ModelFileException(json, "field 'classes' is empty");
    checkArrays(dir, json, d);
    Head h = switch (d.kind() == null ? "" : d.kind()) {
      case "linear" -> new LinearHead(n, floats(ModelFolder.file(dir, json, "name", n + ".w.npy"), d.classes().size(), d.dim()),
          floats(ModelFolder.file(dir, json, "name", n + ".b.npy"), d.classes().size()), d.classes());
      case "mlp" -> new MlpHead(n, d.dim(), d.hidden(), floats(ModelFolder.file(dir, json, "name", n + ".w1.npy"), d.hidden(), d.dim()),
          floats(ModelFolder.file(dir, json, "name", n + ".b1.npy"), d.hidden()),
          floats(ModelFolder.file(dir, json, "name", n + ".w2.npy"), d.classes().size(), d.hidden()),
          floats(ModelFolder.file(dir, json, "name", n + ".b2.npy"), d.classes().size()), d.classes());
      default -> throw new dev.tve.runtime.ModelFileException(json, "unknown head kind '" + d.kind() + "' (linear, mlp)");
    };
    return h;
  }

  /**
   * @param dir the model folder
   * @param name the head's name
   * @return the model card saved with the head, or null when it has none
   * @throws IOException when the head file cannot be read
   */
  public static HeadCard card(Path dir, String name) throws IOException {
    return descriptor(dir.resolve(name + ".head.json")).card();
  }

  private static Descriptor descriptor(Path json) throws IOException {
    Descriptor d;
    try {
      d = JSON.readValue(json.toFile(), Descriptor.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new dev.tve.runtime.ModelFileException(json, "not a valid head file (" + e.getOriginalMessage()
          + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : "") + ")");
    }
    if (d.formatVersion() > FORMAT_VERSION) throw new dev.tve.runtime.ModelFileException(json, "head format " + d.formatVersion() + " is newer than " + FORMAT_VERSION);
    if (d.name() == null || d.kind() == null || d.classes() == null) throw new dev.tve.runtime.ModelFileException(json, "head file without name, kind or classes");
    return d;
  }

  /**
   * Checks a head's arrays against the SHA-256 its card lists (a mismatch names the file); a card
   * written before head hashes lists none, and its head loads with one warning saying so
   * ({@link #rehash} adds them).
   */
  private static void checkArrays(Path dir, Path json, Descriptor d) throws IOException {
    if (d.files() == null) {
      UNHASHED.warn("head {} ({}): its card predates head hashes, so its arrays are not checked; re-hash it with tve rehash-heads", d.name(), json);
      return;
    }
    for (String f : arrays(d.name(), d.kind() == null ? "" : d.kind())) {
      String want = d.files().get(f);
      Path p = ModelFolder.file(dir, json, "files", f);
      if (want == null) throw new dev.tve.runtime.ModelFileException(json, "field 'files' lists no SHA-256 of " + f);
      if (!Files.isRegularFile(p)) throw new dev.tve.runtime.ModelFileException(p, "missing (named by " + json.getFileName() + ")");
      String got = ModelCard.sha256(p);
      if (!got.equals(want)) throw new dev.tve.runtime.ModelFileException(p, "SHA-256 " + got + " does not match its head card's " + want);
    }
    if (d.weightsSha256() != null && !d.weightsSha256().equals(combined(d.files()))) {
      throw new dev.tve.runtime.ModelFileException(json, "field 'weightsSha256' does not match the hashes it lists");
    }
  }

  private static final org.slf4j.Logger UNHASHED = org.slf4j.LoggerFactory.getLogger(Heads.class);

  /**
   * A head's weights hash as its folder says it: its card's, or (a card from before head hashes) one
   * computed from its array files now. What outputs record as the head's provenance.
   *
   * @param dir the model folder
   * @param name the head's name
   * @return the hash
   * @throws IOException when a file cannot be read
   */
  public static String weightsSha256(Path dir, String name) throws IOException {
    Path json = ModelFolder.file(dir, dir.resolve("encoder.card.json"), "heads", ModelFolder.name(dir.resolve("encoder.card.json"), "heads", name) + ".head.json");
    Descriptor d = descriptor(json);
    if (d.weightsSha256() != null) return d.weightsSha256();
    return combined(hashArrays(dir, d.name(), d.kind() == null ? "" : d.kind()));
  }

  /**
   * Adds its arrays' SHA-256 to every head card of a model folder that lacks them (cards written before
   * head hashes); the encoder card's list of files is updated with the new head cards' hashes.
   *
   * @param dir the model folder
   * @return the heads re-hashed
   * @throws IOException when a file cannot be read or written
   */
  public static List<String> rehash(Path dir) throws IOException {
    List<String> done = new ArrayList<>();
    Path cardFile = dir.resolve("encoder.card.json");
    ModelCard model = Files.isRegularFile(cardFile) ? ModelCard.read(cardFile) : null;
    java.util.Map<String, String> files = model == null || model.files() == null ? new java.util.LinkedHashMap<>() : new java.util.LinkedHashMap<>(model.files());
    try (Stream<Path> s = Files.list(dir)) {
      for (Path json : s.filter(p -> p.getFileName().toString().endsWith(".head.json")).sorted().toList()) {
        Descriptor d = descriptor(json);
        if (d.files() != null) continue;
        ModelFolder.name(json, "name", d.name());
        dev.tve.io.AtomicFiles.writeJson(json, d.hashed(hashArrays(dir, d.name(), d.kind() == null ? "" : d.kind())));
        if (files.containsKey(json.getFileName().toString())) files.put(json.getFileName().toString(), ModelCard.sha256(json));
        done.add(d.name());
      }
    }
    if (model != null && !done.isEmpty() && !files.equals(model.files())) {
      new ModelCard(model.formatVersion(), model.kind(), model.architecture(), model.classes(), model.input(), model.notes(), model.accuracy(),
          model.dataSha256(), model.seed(), model.weightsFile(), model.weightsSha256(), model.training(), model.projectVersion(), files,
          model.heads()).write(cardFile);
    }
    return done;
  }

  /** Every {@code *.head.json} of a folder, sorted by name. */
  public static List<Head> loadAll(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".head.json")).sorted().toList());
    }
    for (int i = 0; i < files.size(); i++) {
      String f = files.get(i).getFileName().toString();
      files.set(i, ModelFolder.file(dir, files.get(i), "file name", ModelFolder.name(files.get(i), "file name", f.substring(0, f.length() - 10)) + ".head.json"));
    }
    List<Head> out = new ArrayList<>();
    for (Path f : files) out.add(load(f));
    return out;
  }

  private static float[] floats(Path file, long... shape) throws IOException {
    if (!Files.isRegularFile(file)) throw new dev.tve.runtime.ModelFileException(file, "missing (its head's .head.json names it)");
    NpyArray a = Npy.read(file);
    if (a.dtype() != NpyArray.DType.FLOAT32 || !Arrays.equals(a.shape(), shape)) {
      throw new dev.tve.runtime.ModelFileException(file, "need float32 " + Arrays.toString(shape) + ", got " + a);
    }
    float[] v = a.toFloatArray();
    FiniteWeights.check(v, file);
    return v;
  }

  private static List<String> names(List<String> classes, int c, Path file) {
    if (classes == null) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < c; i++) out.add(Integer.toString(i));
      return out;
    }
    if (classes.size() != c) throw new IllegalArgumentException(file + ": head has " + c + " classes but " + classes.size() + " names were given");
    return classes;
  }
}
