package dev.tve.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.explain.Methods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The attribution methods of a second evaluation of the same images and model, joined to this run's
 * records. A run that explained the other output (the probability where this run explained the
 * logit, or the reverse) adds all its attribution methods, named {@code "kernel-shap [probability]"}:
 * the report then measures TVE's recovery against whichever of the two baselines is stronger, and
 * shows both. A run on the same output adds, under their own names, the methods this run left out:
 * a new explainer is then evaluated with {@code --methods tve,random} in minutes, the classic methods
 * (which do not depend on the explainer) coming from the earlier run.
 *
 * <pre>{@code
 * JoinedBaselines.Joined j = JoinedBaselines.join(rows, methods, setup, Path.of("results/evaluation-probability"));
 * Report r = Report.of(j.rows(), sanity, j.methods(), heads, pretrainSeconds, seed);
 * }</pre>
 */
public final class JoinedBaselines {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Settings both runs must share: the same model, images, seeds and measures. */
  private static final List<String> SHARED = List.of("modelWeightsSha256", "split", "sceneSeed", "images", "labels", "boxes", "subsets", "seed", "blurSigma");

  /**
   * The joined records.
   *
   * @param rows this run's records, each with the other run's attribution methods added
   * @param methods this run's methods followed by the added names
   * @param output the other run's explained output
   * @param otherOutput whether it differs from this run's (then the added names carry it in brackets)
   */
  public record Joined(List<ImageRecord> rows, List<String> methods, String output, boolean otherOutput) {}

  private JoinedBaselines() {}

  /**
   * @param method a method name
   * @param output the output it explained
   * @return the name it carries in a joined report
   */
  public static String name(String method, String output) {
    return method + " [" + output + "]";
  }

  /**
   * @param name a method name, plain or joined
   * @return the method it names ({@code "kernel-shap [probability]"} -> {@code "kernel-shap"})
   */
  public static String method(String name) {
    int k = name.indexOf(" [");
    return k < 0 ? name : name.substring(0, k);
  }

  /**
   * @param name a method name, plain or joined
   * @return whether TVE's recovery counts against it
   */
  public static boolean isAttribution(String name) {
    return Methods.ATTRIBUTION.contains(method(name));
  }

  /**
   * Joins the other run's attribution methods to every record of this run.
   *
   * @param rows this run's records
   * @param methods this run's methods
   * @param setup this run's setup.json content
   * @param other the other run's --out folder (setup.json and rows.jsonl, or rows.jsonl.gz)
   * @return the joined records and method list
   * @throws IOException when the other run cannot be read
   * @throws IllegalArgumentException when the runs differ in model, images or measures, predicted other
   *     targets, have nothing to join, or the other run lacks some of this run's images
   */
  @SuppressWarnings("unchecked")
  public static Joined join(List<ImageRecord> rows, List<String> methods, Map<String, Object> setup, Path other) throws IOException {
    Path setupFile = other.resolve("setup.json");
    if (!Files.exists(setupFile)) throw new IllegalArgumentException(other + ": no setup.json, not a tve evaluate results folder");
    Map<String, Object> theirs = JSON.readValue(setupFile.toFile(), Map.class);
    Map<String, Object> ours = JSON.readValue(JSON.writeValueAsString(setup), Map.class);
    for (String k : SHARED) {
      if (!Objects.equals(normal(ours.get(k)), normal(theirs.get(k)))) {
        throw new IllegalArgumentException(other + " was made with " + k + " = " + theirs.get(k) + ", this run with " + ours.get(k)
            + ": baselines from another run must score the same images the same way");
      }
    }
    String output = String.valueOf(theirs.get("output"));
    boolean otherOutput = !output.equals(String.valueOf(ours.get("output")));
    List<String> added = ((List<String>) theirs.get("methods")).stream().filter(JoinedBaselines::isAttribution)
        .filter(m -> otherOutput || !methods.contains(m)).toList();
    if (added.isEmpty()) {
      throw new IllegalArgumentException(other + " explained the same output (" + output + ") and has no attribution method this run lacks: "
          + "nothing to join");
    }
    Map<String, ImageRecord> byKey = new HashMap<>();
    for (ImageRecord r : read(other)) byKey.put(r.key(), r);
    List<ImageRecord> joined = new ArrayList<>();
    int missing = 0;
    for (ImageRecord r : rows) {
      ImageRecord o = byKey.get(r.key());
      if (o == null) {
        missing++;
        continue;
      }
      if (o.predicted() != r.predicted()) {
        throw new IllegalArgumentException(other + ": image " + r.key() + " has target " + o.predicted() + " there and " + r.predicted() + " here");
      }
      Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>(r.methods());
      for (String a : added) m.put(otherOutput ? name(a, output) : a, o.methods().get(a));
      joined.add(new ImageRecord(r.head(), r.scene(), r.label(), r.headLabel(), r.predicted(), r.probability(), r.blurredProbability(), r.boxShare(), m,
          r.file()));
    }
    if (missing > 0) {
      throw new IllegalArgumentException(other + " lacks " + missing + " of this run's " + rows.size() + " images: run it to the same --n and --heads "
          + "first (the report then compares like with like)");
    }
    List<String> all = new ArrayList<>(methods);
    for (String a : added) all.add(otherOutput ? name(a, output) : a);
    return new Joined(joined, all, output, otherOutput);
  }

  /** Numbers compare by value: 4 and 4.0 in two JSON files are one setting. */
  private static Object normal(Object v) {
    return v instanceof Number n ? (Object) n.doubleValue() : v;
  }

  private static List<ImageRecord> read(Path dir) throws IOException {
    Path plain = dir.resolve("rows.jsonl"), packed = dir.resolve("rows.jsonl.gz");
    if (Files.exists(plain)) return RecordFile.read(plain, ImageRecord.class);
    if (Files.exists(packed)) return RecordFile.read(packed, ImageRecord.class);
    throw new IllegalArgumentException(dir + ": no rows.jsonl or rows.jsonl.gz");
  }
}
