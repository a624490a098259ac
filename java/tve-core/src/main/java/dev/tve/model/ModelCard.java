package dev.tve.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a saved model is and how it was made, as a typed, versioned record: architecture and sizes,
 * class names, the input it takes ({@link InputSpec}: size, channels, per-channel mean and std, pixel
 * scale, channel order, resize, patch grid), free-form notes, accuracy, hashes of the data and of the
 * weights, seed, training settings. Written as JSON beside the weights (atomically: temp file, then
 * rename). Format 1 is written; format 0 (no {@code formatVersion}: one mean and std in a
 * {@code preprocessing} map) is read and converted.
 *
 * <pre>{@code
 * ModelCard card = ModelCard.read(dir.resolve("encoder.card.json"));
 * Preprocessing pre = card.input().preprocessing();
 * }</pre>
 *
 * @param formatVersion {@link #FORMAT_VERSION} for cards written now
 * @param kind "encoder"
 * @param architecture the built-in architecture and its sizes
 * @param classes the class names of the scenes the encoder was trained on
 * @param input what the model takes
 * @param notes free-form facts about the data (e.g. how scenes were made)
 * @param accuracy accuracy by split
 * @param dataSha256 SHA-256 of each data file trained on
 * @param seed the training seed
 * @param weightsFile the weights file name, beside the card
 * @param weightsSha256 its SHA-256
 * @param training how the encoder was trained (null for a model trained elsewhere)
 * @param projectVersion the project version that wrote the card
 * @param files SHA-256 of every other file of the folder (heads, their arrays), checked on load; empty
 *     for cards written before imports, which check the weights only
 * @param heads the heads the folder declares, loaded exactly (a missing one is an error); empty for
 *     cards written before, whose folder's {@code *.head.json} files are the heads
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(int formatVersion, String kind, Architecture architecture, List<String> classes, InputSpec input, Map<String, Object> notes,
    Map<String, Double> accuracy, Map<String, String> dataSha256, long seed, String weightsFile, String weightsSha256, Training training,
    String projectVersion, Map<String, String> files,
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY) List<String> heads) {

  /** The architecture name of a user's TorchScript encoder. */
  public static final String TORCHSCRIPT = "torchscript";

  /** Null maps read as empty. */
  public ModelCard {
    files = files == null ? Map.of() : Map.copyOf(files);
    heads = heads == null ? List.of() : List.copyOf(heads);
  }

  /** The card format this code writes. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * How a built-in encoder was trained.
   *
   * @param epochs epochs of scenes
   * @param scenesPerEpoch scenes per epoch
   * @param batch batch size
   * @param lr peak learning rate
   * @param threads libtorch threads
   * @param seconds wall time
   * @param lastEpochLoss mean loss of the last epoch
   * @param probeScenes scenes the linear probe was fitted on
   * @param validationItems train items carved out for validation
   * @param timedFromEpoch {@code seconds} cover the epochs after this one (0: all; null in cards from before, which did not say)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Training(int epochs, int scenesPerEpoch, int batch, double lr, int threads, double seconds, double lastEpochLoss, int probeScenes,
      int validationItems, Integer timedFromEpoch) {}

  /**
   * A card for a model made in code (tests, benchmarks, users' own encoders): no data hashes, no training.
   *
   * @param architecture the architecture
   * @param classes class names
   * @param input what the model takes
   * @return the card
   */
  public static ModelCard of(Architecture architecture, List<String> classes, InputSpec input) {
    return new ModelCard(FORMAT_VERSION, "encoder", architecture, classes, input, Map.of(), Map.of(), Map.of(), 0, null, null, null,
        dev.tve.runtime.Version.VERSION, Map.of(), List.of());
  }

  /** @return the validation items carved out of the train split (5,000 when the card does not say) */
  public int validationItems() {
    return training != null && training.validationItems() > 0 ? training.validationItems() : 5000;
  }

  /**
   * @param file the weights file name
   * @param sha256 its SHA-256
   * @return this card for other weights
   */
  public ModelCard withWeights(String file, String sha256) {
    return new ModelCard(formatVersion, kind, architecture, classes, input, notes, accuracy, dataSha256, seed, file, sha256, training, projectVersion, files,
        heads);
  }

  /**
   * @param names the heads the folder declares
   * @return this card declaring them
   */
  public ModelCard withHeads(List<String> names) {
    return new ModelCard(formatVersion, kind, architecture, classes, input, notes, accuracy, dataSha256, seed, weightsFile, weightsSha256, training,
        projectVersion, files, names);
  }

  /**
   * @param file where to write (temp file, then rename)
   * @throws IOException when it cannot be written
   */
  public void write(Path file) throws IOException {
    dev.tve.io.AtomicFiles.writeJson(file, this);
  }

  /**
   * Reads a card of any known format.
   *
   * @param file the card
   * @return the card, converted to the current format
   * @throws IOException when it cannot be read
   * @throws ModelFileException when it is not a valid card
   */
  public static ModelCard read(Path file) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new ModelFileException(file, "not valid JSON (" + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ")");
    }
    if (!(n instanceof ObjectNode o)) throw new ModelFileException(file, "not a model card (a JSON object)");
    int version = o.path("formatVersion").asInt(0);
    if (version > FORMAT_VERSION) throw new ModelFileException(file, "card format " + version + " is newer than this engine's " + FORMAT_VERSION);
    if (version == 0) upgradeFrom0(o, file);
    try {
      ModelCard c = JSON.treeToValue(o, ModelCard.class);
      if (c.architecture() == null || c.input() == null) throw new ModelFileException(file, "the card has no architecture or input");
      return c;
    } catch (JsonProcessingException | IllegalArgumentException e) {
      if (e instanceof ModelFileException m) throw m;
      throw new ModelFileException(file, "not a valid model card: " + oneLine(e));
    }
  }

  /** Format 0 kept one mean and std, and other facts, in a free-form "preprocessing" map. */
  private static void upgradeFrom0(ObjectNode o, Path file) {
    JsonNode arch = o.path("architecture");
    JsonNode pre = o.path("preprocessing");
    if (!pre.has("mean") || !pre.has("std")) throw new ModelFileException(file, "format-0 card without preprocessing mean and std");
    int channels = arch.path("channels").asInt(1), size = arch.path("imageSize").asInt();
    int grid = arch.path("sizes").path("grid").asInt(0);
    ObjectNode input = o.putObject("input");
    input.put("size", size);
    input.put("channels", channels);
    for (String k : new String[] {"mean", "std"}) {
      var a = input.putArray(k);
      for (int c = 0; c < channels; c++) a.add((float) pre.path(k).asDouble());
    }
    input.put("inputScale", 1.0);
    input.put("channelOrder", "RGB");
    input.put("resize", "STRETCH");
    input.put("grid", grid);
    Map<String, Object> notes = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = pre.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!List.of("mean", "std", "channels").contains(e.getKey())) notes.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
    }
    o.remove("preprocessing");
    o.set("notes", JSON.valueToTree(notes));
    o.put("formatVersion", FORMAT_VERSION);
  }

  /**
   * @param file any file
   * @return its SHA-256, hex
   * @throws IOException when it cannot be read
   */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Jackson's message without its source excerpt and reference chain: one line. */
  private static String oneLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (m == null) m = e.getClass().getSimpleName();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
