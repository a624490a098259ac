package dev.tve.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;

/**
 * The model being explained: one encoder with several named heads on its embeddings (the 10-class
 * head, a coarse grouping, a head on new classes...). Every head is checked against the encoder's D
 * when the model is built, before any batch runs.
 *
 * <p>A saved model is a folder: {@code encoder.pt} (libtorch archive), {@code encoder.card.json}
 * (its {@link ModelCard}, whose weight hash is checked on load) and one {@code NAME.head.json} per
 * head (see {@link Heads#save}).
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
public final class TargetModel {
  private final Encoder encoder;
  private final ModelCard card;
  private final Map<String, Head> heads;

  /**
   * @param card the encoder's card (preprocessing, sizes); null for a user's encoder without one
   */
  public TargetModel(Encoder encoder, ModelCard card, List<? extends Head> heads) {
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
    return new TargetModel(encoder, card, all);
  }

  /**
   * Saves a built-in encoder with its card and heads into {@code dir}. The card is rewritten with
   * the weight file's hash.
   */
  public void save(Path dir) throws IOException {
    if (!(encoder instanceof EncoderModule module)) throw new IllegalStateException("only built-in encoders are saved with their heads");
    Files.createDirectories(dir);
    Path weights = dir.resolve("encoder.pt"), tmp = dir.resolve("encoder.pt.tmp");
    OutputArchive a = new OutputArchive();
    module.save(a);
    a.save_to(tmp.toString());
    Files.move(tmp, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    ModelCard c = card == null ? null : card.withWeights(weights.getFileName().toString(), ModelCard.sha256(weights));
    if (c != null) c.write(dir.resolve("encoder.card.json"));
    for (Head h : heads.values()) Heads.save(dir, h);
  }

  /** Loads a folder written by {@link #save}; the encoder comes back in eval mode. */
  public static TargetModel load(Path dir) throws IOException {
    Path cardFile = dir.resolve("encoder.card.json");
    if (!Files.isRegularFile(cardFile)) throw new IllegalArgumentException(dir + ": no encoder.card.json (not a saved model folder)");
    ModelCard card = ModelCard.read(cardFile);
    Path weights = dir.resolve(card.weightsFile());
    if (!Files.isRegularFile(weights)) throw new IllegalArgumentException(dir + ": the card names " + card.weightsFile() + ", which is missing");
    String sha = ModelCard.sha256(weights);
    if (!sha.equals(card.weightsSha256())) {
      throw new IllegalArgumentException(weights + ": SHA-256 " + sha + " does not match its card's " + card.weightsSha256());
    }
    EncoderModule encoder = EncoderModule.create(card.architecture());
    InputArchive in = new InputArchive();
    in.load_from(weights.toString());
    encoder.load(in);
    encoder.eval();
    return new TargetModel(encoder, card, Heads.loadAll(dir));
  }
}
