package dev.tve.batch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * The output schema every sink shares (the files of {@code tve explain} here; Parquet rows on Spark),
 * version {@value #VERSION}.
 *
 * <p>Manifest ({@code manifest.jsonl}), first line: {@code {"schema": "tve.manifest", "version": 2,
 * "settings": {...}}} (method and its parameters, target, heads, explained output, seed, outputs, model
 * and explainer weight hashes, tve version). Then one line per input file:
 * <ul>
 *   <li>{@code file}: the canonical path (the key: a relative and an absolute name are one file);
 *   <li>{@code status}: {@code done} or {@code failed}; {@code error}: the reason when failed;
 *   <li>{@code predictions}: per head, {@code class} (int), {@code name}, {@code probability} (number);
 *   <li>{@code targets}: per explained target in map order: {@code head}, {@code class}, {@code name},
 *       {@code foil} (when contrastive), {@code probability}, {@code topPatch} (row-major grid index);
 *   <li>{@code grid}: g; {@code maps}: the {@code .npy} file, float32 [targets, g, g], row-major, signed,
 *       in the explained output's units; {@code overlay}: the PNG, when written; {@code outputs}: both names;
 *   <li>{@code verify} (when asked): {@code explainerFit} and {@code inDistribution} (each present when calibrated), {@code trusted}
 *       (both), the scores behind them ({@code centres}, {@code cosine}, {@code fitError}, {@code distance}).
 * </ul>
 * Every number is a JSON number: a non-finite value fails the file instead.
 */
public final class OutputSchema {
  /** The schema's name in the header. */
  public static final String SCHEMA = "tve.manifest";
  /** This schema's version. */
  public static final int VERSION = 2;

  public static final String SCHEMA_FIELD = "schema", VERSION_FIELD = "version", SETTINGS = "settings";
  public static final String FILE = "file", STATUS = "status", ERROR = "error", PREDICTIONS = "predictions", TARGETS = "targets";
  public static final String GRID = "grid", MAPS = "maps", OVERLAY = "overlay", OUTPUTS = "outputs", VERIFY = "verify";
  public static final String CLASS = "class", NAME = "name", PROBABILITY = "probability", HEAD = "head", FOIL = "foil", TOP_PATCH = "topPatch";
  /** Status of a file whose outputs are all written. */
  public static final String DONE = "done";
  /** Status of a file that could not be explained; {@link #ERROR} says why. */
  public static final String FAILED = "failed";
  /** Settings recorded but not compared when a run continues a manifest: they do not change the maps beyond float rounding. */
  public static final Set<String> INFORMATIVE = Set.of("version", "kernel", "threads", "batch");

  private OutputSchema() {}

  /**
   * Text for a terminal line, escaped as the manifest's JSON escapes it: control characters (a newline
   * in a file name could forge a progress line) become a backslash and n, r or t, or a backslash, u and
   * four hex digits (ESC: backslash-u001b), and a backslash two backslashes; everything else is as it is.
   *
   * @param s a file name, a reason
   * @return one line with every control character visible
   */
  public static String printable(String s) {
    if (s == null) return "null";
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String esc = switch (c) {
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        case '\\' -> "\\\\";
        default -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
      };
      if (esc == null) {
        if (b != null) b.append(c);
        continue;
      }
      if (b == null) b = new StringBuilder(s.length() + 8).append(s, 0, i);
      b.append(esc);
    }
    return b == null ? s : b.toString();
  }

  /**
   * The provenance every output records beside the run's method settings: the model's and the
   * explainer's weight hashes, the explainer's training seed, how --verify seeds its draws, the
   * engine's version.
   *
   * @param model the model's card
   * @param explainer the explainer's card, or null (classic methods)
   * @return the entries, in order
   */
  public static Map<String, Object> provenance(dev.tve.model.ModelCard model, dev.tve.explain.ExplainerCard explainer) {
    return provenance(model, Map.of(), explainer);
  }

  /**
   * As {@link #provenance(dev.tve.model.ModelCard, dev.tve.explain.ExplainerCard)}, with the weights hash
   * of every head explained ({@code headsSha256}: name to hash), so that an output names the heads it
   * explains and a rerun with other head weights is another run.
   *
   * @param model the model's card
   * @param heads each explained head's name and {@link dev.tve.model.TargetModel#headSha256 weights hash}
   * @param explainer the explainer's card, or null
   * @return the provenance
   */
  public static Map<String, Object> provenance(dev.tve.model.ModelCard model, Map<String, String> heads, dev.tve.explain.ExplainerCard explainer) {
    Map<String, Object> p = new java.util.LinkedHashMap<>();
    p.put("modelWeightsSha256", model.weightsSha256());
    if (!heads.isEmpty()) p.put("headsSha256", new java.util.TreeMap<>(heads));
    if (explainer != null) {
      p.put("explainerWeightsSha256", explainer.weightsSha256());
      p.put("explainerSeed", explainer.training() == null ? null : explainer.training().seed());
      p.put("verifySeed", "per image: hash of its file's path");
    }
    p.put("version", dev.tve.runtime.Version.VERSION);
    return p;
  }

  /**
   * The header line.
   *
   * @param settings the run's settings
   * @return {@code {"schema", "version", "settings"}}
   */
  public static ObjectNode header(Map<String, ?> settings) {
    ObjectNode h = Manifest.json().createObjectNode();
    h.put(SCHEMA_FIELD, SCHEMA);
    h.put(VERSION_FIELD, VERSION);
    h.set(SETTINGS, Manifest.json().valueToTree(settings));
    return h;
  }

  /**
   * A failed file's line.
   *
   * @param canonical its canonical path (or the name as given when it has none)
   * @param reason why
   * @return the line
   */
  public static ObjectNode failed(String canonical, String reason) {
    ObjectNode e = Manifest.json().createObjectNode();
    e.put(FILE, canonical);
    e.put(STATUS, FAILED);
    e.put(ERROR, reason);
    return e;
  }

  /**
   * A done file's line.
   *
   * @param result the file's result
   * @param maps the maps file's name
   * @param overlay the overlay's name, or null
   * @return the line
   */
  public static ObjectNode done(ImageResult result, String maps, String overlay) {
    ObjectNode e = Manifest.json().createObjectNode();
    e.put(FILE, result.key());
    e.put(STATUS, DONE);
    ObjectNode preds = e.putObject(PREDICTIONS);
    ArrayNode targets = e.putArray(TARGETS);
    for (dev.tve.explain.Attribution a : result.targets()) {
      if (!preds.has(a.head())) {
        ObjectNode p = preds.putObject(a.head());
        p.put(CLASS, a.predicted());
        p.put(NAME, a.predictedName());
        p.put(PROBABILITY, a.probability());
      }
      ObjectNode t = targets.addObject();
      t.put(HEAD, a.head());
      t.put(CLASS, a.target());
      t.put(NAME, a.targetName());
      if (a.foil() >= 0) t.put(FOIL, a.foil());
      t.put(PROBABILITY, a.targetProbability());
      t.put(TOP_PATCH, a.topPatch());
    }
    e.put(GRID, result.grid());
    e.put(MAPS, maps);
    ArrayNode outputs = e.putArray(OUTPUTS).add(maps);
    if (overlay != null) {
      e.put(OVERLAY, overlay);
      outputs.add(overlay);
    }
    if (result.verdict() != null) verdict(e, result.verdict());
    return e;
  }

  /**
   * Writes a --verify verdict under {@value #VERIFY}: the flags where calibrated, and the finite scores.
   *
   * @param line the manifest or predict line
   * @param v the verdict
   */
  public static void verdict(ObjectNode line, dev.tve.explain.Verifier.Verdict v) {
    ObjectNode o = line.putObject(VERIFY);
    if (v.explainerFit() != null) o.put("explainerFit", v.explainerFit());
    if (v.inDistribution() != null) o.put("inDistribution", v.inDistribution());
    if (v.trusted() != null) o.put("trusted", v.trusted());
    if (v.centres() > 0) o.put("centres", v.centres());
    if (Double.isFinite(v.cosine())) o.put("cosine", v.cosine());
    if (Double.isFinite(v.fitError())) o.put("fitError", v.fitError());
    if (Double.isFinite(v.distance())) o.put("distance", v.distance());
  }
}
