package dev.tve.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.tve.runtime.ModelFileException;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;

/**
 * The model being explained: one encoder with several named heads on its embeddings (the 10-class
 * head, a coarse grouping, a head on new classes...). Every head is checked against the encoder's D
 * when the model is built, before any batch runs.
 *
 * <p>A saved model is a folder: the encoder's weights ({@code encoder.pt}, a libtorch archive of a
 * built-in encoder, or {@code encoder.torchscript.pt}, a user's TorchScript module written by
 * {@link ModelImport}), {@code encoder.card.json} (its {@link ModelCard}, whose hashes are checked on
 * load) and one {@code NAME.head.json} per head (see {@link Heads#save}).
 *
 * <pre>{@code
 * TargetModel model = TargetModel.load(Path.of("zoo/scene-vit"));
 * Head ten = model.head("ten-class");
 * float[] emb = model.encoder().embed(images);
 * int predicted = ten.argmax(emb, 0);
 * }</pre>
 *
 * Threads: immutable once built; a model whose encoder is in eval mode may be shared between
 * threads (see {@link EncoderModule}).
 */
public final class TargetModel implements AutoCloseable {
  private final Encoder encoder;
  private final ModelCard card;
  private final Map<String, Head> heads;
  private final Map<String, String> headHashes;

  /**
   * @param card the encoder's card (preprocessing, sizes); null for a user's encoder without one
   */
  public TargetModel(Encoder encoder, ModelCard card, List<? extends Head> heads) {
    this(encoder, card, heads, Map.of());
  }

  private TargetModel(Encoder encoder, ModelCard card, List<? extends Head> heads, Map<String, String> headHashes) {
    this.headHashes = Map.copyOf(headHashes);
    Map<String, Head> m = new LinkedHashMap<>();
    for (Head h : heads) {
      Heads.check(encoder, h);
      if (m.put(h.name(), h) != null) throw new IllegalArgumentException("two heads named '" + h.name() + "'");
    }
    this.encoder = encoder;
    this.card = card;
    this.heads = Collections.unmodifiableMap(m);
  }

  public Encoder encoder() { return encoder; }
  public ModelCard card() { return card; }
  public Map<String, Head> heads() { return heads; }

  /**
   * @param name a head's name
   * @return the SHA-256 of its weights as its folder holds them ({@link Heads#weightsSha256}), or null for a head not loaded from files
   */
  public String headSha256(String name) { return headHashes.get(name); }

  /** The head named {@code name}, or an error listing the heads there are. */
  public Head head(String name) {
    Head h = heads.get(name);
    if (h == null) throw new IllegalArgumentException("no head '" + name + "'; this model has " + heads.keySet());
    return h;
  }

  /** A copy with one more head (checked against the encoder). */
  public TargetModel withHead(Head head) {
    List<Head> all = new ArrayList<>(heads.values());
    all.add(head);
    return new TargetModel(encoder, card, all, headHashes);
  }

  /**
   * Saves a built-in encoder with its card and heads into {@code dir}. The card is rewritten with
   * the weight file's hash.
   */
  public void save(Path dir) throws IOException {
    if (!(encoder instanceof EncoderModule module)) throw new IllegalStateException("only built-in encoders are saved with their heads");
    Files.createDirectories(dir);
    Path weights = dir.resolve("encoder.pt"), tmp = dev.tve.io.AtomicFiles.archiveTemp(weights);
    OutputArchive a = new OutputArchive();
    module.save(a);
    a.save_to(tmp.toString());
    dev.tve.io.AtomicFiles.moveArchive(tmp, weights);
    ModelCard c = card == null ? null : card.withWeights(weights.getFileName().toString(), ModelCard.sha256(weights))
        .withHeads(new ArrayList<>(heads.keySet()));
    if (c != null) c.write(dir.resolve("encoder.card.json"));
    for (Head h : heads.values()) Heads.save(dir, h);
  }

  /** Loads a folder written by {@link #save}; the encoder comes back in eval mode. */
  public static TargetModel load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) throw new ModelFileException(dir, "no such model folder");
    Path cardFile = dir.resolve("encoder.card.json");
    if (!Files.isRegularFile(cardFile)) throw new ModelFileException(dir, "no encoder.card.json (not a saved model folder)");
    ModelFolder.file(dir, cardFile, "(the card itself)", "encoder.card.json");     // a link out of the folder is refused
    ModelCard card = ModelCard.read(cardFile);
    if (card.weightsFile() == null) throw new ModelFileException(cardFile, "the card names no weights file");
    Path weights = ModelFolder.file(dir, cardFile, "weightsFile", card.weightsFile());
    if (!Files.isRegularFile(weights)) throw new ModelFileException(weights, "missing (named by " + cardFile.getFileName() + ")");
    String sha = ModelCard.sha256(weights);
    if (!sha.equals(card.weightsSha256())) {
      throw new ModelFileException(weights, "SHA-256 " + sha + " does not match its card's " + card.weightsSha256());
    }
    // Every other file the card lists (an imported model's heads and arrays) must be there, unchanged.
    for (Map.Entry<String, String> f : card.files().entrySet()) {
      Path p = ModelFolder.file(dir, cardFile, "files", f.getKey());
      if (!Files.isRegularFile(p)) throw new ModelFileException(p, "missing (named by " + cardFile.getFileName() + ")");
      String h = ModelCard.sha256(p);
      if (!h.equals(f.getValue())) throw new ModelFileException(p, "SHA-256 " + h + " does not match its card's " + f.getValue());
    }
    Encoder encoder;
    if (card.architecture().name().equals(ModelCard.TORCHSCRIPT)) {
      encoder = TorchScriptEncoder.load(weights, card.input().channels(), card.input().size(), card.input().grid());
      if (encoder.dim() != card.architecture().dim()) {
        throw new ModelFileException(weights, "gives D=" + encoder.dim() + ", its card says " + card.architecture().dim());
      }
    } else {
      EncoderModule module;
      try {
        module = EncoderModule.create(card.architecture());
        InputArchive in = new InputArchive();
        in.load_from(weights.toString());
        module.load(in);
      } catch (RuntimeException e) {
        throw new ModelFileException(weights, "cannot load the " + card.architecture().name() + " encoder's weights (" + firstLine(e.getMessage()) + ")", e);
      }
      module.eval();
      FiniteWeights.check(module, weights);
      encoder = module;
    }
    List<Head> heads;
    if (card.heads().isEmpty()) {
      heads = Heads.loadAll(dir);                    // a card from before heads were declared
    } else {
      heads = new ArrayList<>();
      for (String name : card.heads()) {
        Path json = ModelFolder.file(dir, cardFile, "heads", ModelFolder.name(cardFile, "heads", name) + ".head.json");
        if (!Files.isRegularFile(json)) throw new ModelFileException(json, "missing (" + cardFile.getFileName() + " declares head '" + name + "')");
        heads.add(Heads.load(json));
      }
    }
    if (heads.isEmpty()) throw new ModelFileException(dir, "no head (no *.head.json)");
    for (Head h : heads) {
      if (h.dim() != encoder.dim()) {
        throw new ModelFileException(dir.resolve(h.name() + ".head.json"), "head '" + h.name() + "' takes D=" + h.dim() + ", the encoder gives D=" + encoder.dim());
      }
    }
    Map<String, String> hashes = new LinkedHashMap<>();
    for (Head h : heads) hashes.put(h.name(), Heads.weightsSha256(dir, h.name()));
    return new TargetModel(encoder, card, heads, hashes);
  }

  private static String firstLine(String s) {
    if (s == null) return "no message";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The input the model takes, from its card; for a model without a card, the encoder's size, no normalisation. */
  public InputSpec input() {
    return card != null ? card.input() : InputSpec.of(encoder.imageSize(), encoder.channels(), 0f, 1f, 0);
  }

  /** Releases the encoder's native memory (a built-in encoder's weights); the model must not be used afterwards. */
  @Override
  public void close() {
    if (encoder instanceof org.bytedeco.javacpp.Pointer p) p.close();
    else if (encoder instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
