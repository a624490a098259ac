package dev.tve.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.model.LinearHead;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record file a run appends to, the report's arithmetic on records with known values, the randomised head. */
class EvaluateRecordsTest {
  static ImageRecord.MethodScores scores(double delBlack, double delZero, double ins, float[] map, double seconds) {
    float[] curve = new float[50];
    java.util.Arrays.fill(curve, (float) delBlack);
    return new ImageRecord.MethodScores(map, delBlack, delZero, ins, 0.1, 1, 0.5, seconds, 10, 0, curve, curve, curve);
  }

  static ImageRecord record(long scene, Map<String, ImageRecord.MethodScores> m) {
    return new ImageRecord("h", scene, 1, 1, 1, 0.9f, 0.1f, 0.2, m, null);
  }

  @Test
  void aCutShortLineIsDroppedAndTheRunContinues(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rows.jsonl");
    float[] map = new float[49];
    try (RecordFile<ImageRecord> f = RecordFile.open(file, ImageRecord.class)) {
      f.append(record(1, Map.of("tve", scores(0.1, 0.2, 0.7, map, 0.01))));
      f.append(record(2, Map.of("tve", scores(0.1, 0.2, 0.7, map, 0.01))));
    }
    // A run stopped mid-write leaves half a line.
    Files.writeString(file, "{\"head\":\"h\",\"scene\":3,\"lab", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (RecordFile<ImageRecord> f = RecordFile.open(file, ImageRecord.class)) {
      assertThat(f.records()).extracting(ImageRecord::scene).containsExactly(1L, 2L);
      f.append(record(3, Map.of("tve", scores(0.3, 0.2, 0.7, map, 0.01))));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    try (RecordFile<ImageRecord> f = RecordFile.open(file, ImageRecord.class)) {
      assertThat(f.records()).extracting(ImageRecord::key).containsExactly("h/1", "h/2", "h/3");
      assertThat(f.records().get(2).methods().get("tve").deletionBlack()).isEqualTo(0.3);
    }
  }

  @Test
  void recoveryCostAndSanityAreComputedFromTheRecords() {
    // Per image: random deletion 0.5, best attribution method (occlusion) 0.1, TVE 0.14 -> recovery (0.5 - 0.14) / 0.4 = 0.9.
    // Insertion: random 0.3, rise 0.7 (best), occlusion 0.6, TVE 0.62 -> (0.62 - 0.3) / 0.4 = 0.8.
    SplittableRandom r = new SplittableRandom(1);
    List<ImageRecord> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      float[] base = new float[49];
      for (int p = 0; p < 49; p++) base[p] = (float) r.nextDouble();
      Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>();
      m.put("tve", scores(0.14, 0.2, 0.62, base, 0.01));
      m.put("occlusion", scores(0.1, 0.15, 0.6, base.clone(), 0.05));
      m.put("rise", scores(0.2, 0.25, 0.7, base.clone(), 5.0));
      m.put("saliency", scores(0.6, 0.5, 0.2, base.clone(), 0.02));   // worse than random everywhere
      float[] noise = new float[49];
      for (int p = 0; p < 49; p++) noise[p] = (float) r.nextDouble();
      m.put("random", scores(0.5, 0.4, 0.3, noise, 0));
      rows.add(record(i, m));
    }
    List<SanityRecord> sanity = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sanity.add(new SanityRecord("h", SanityCheck.RANDOM_HEAD, i, Map.of("tve", 0.1 + 0.01 * i, "occlusion", 0.9, "rise", 0.2, "random", 0.0)));
    }
    Report rep = Report.of(rows, sanity, List.of("tve", "occlusion", "rise", "saliency", "random"), List.of("h"), 400, 7);
    JsonNode j = new ObjectMapper().valueToTree(rep.json());
    JsonNode h = j.at("/heads/0");
    assertThat(h.at("/recovery/deletion-black/best").asText()).isEqualTo("occlusion");
    assertThat(h.at("/recovery/deletion-black/recovery").asDouble()).isCloseTo(0.9, within(1e-9));
    assertThat(h.at("/recovery/insertion-blur/best").asText()).isEqualTo("rise");
    assertThat(h.at("/recovery/insertion-blur/recovery").asDouble()).isCloseTo(0.8, within(1e-9));
    assertThat(h.at("/recovery/insertion-blur/met").asBoolean()).isFalse();
    // Against each method: occlusion on insertion (0.62 - 0.3) / (0.6 - 0.3); RISE on black deletion (0.5 - 0.14) / (0.5 - 0.2).
    assertThat(h.at("/recoveryByMethod/occlusion/insertion-blur/recovery").asDouble()).isCloseTo(0.32 / 0.3, within(1e-9));
    assertThat(h.at("/recoveryByMethod/rise/deletion-black/recovery").asDouble()).isCloseTo(1.2, within(1e-9));
    assertThat(h.at("/recoveryByMethod/random").isMissingNode()).isTrue();
    assertThat(h.at("/recoveryByMethod/saliency/deletion-black/betterThanRandom").asBoolean()).isFalse();
    assertThat(h.at("/recoveryByMethod/saliency/deletion-black/recovery").isMissingNode()).isTrue();
    // Cost: TVE 0.01 s vs occlusion 0.05 s; break-even 400 / 0.04 = 10,000 explanations.
    assertThat(h.at("/cost/occlusion/tveCostRatio").asDouble()).isCloseTo(0.2, within(1e-9));
    assertThat(h.at("/cost/breakEvenVsOcclusion/explanations").asDouble()).isEqualTo(10000.0);
    // Same maps: full agreement between TVE and occlusion; none with the random map.
    assertThat(h.at("/agreement/occlusion/tve/spearman/mean").asDouble()).isCloseTo(1, within(1e-9));
    assertThat(Math.abs(h.at("/agreement/random/tve/spearman/mean").asDouble())).isLessThan(0.2);
    assertThat(h.at("/sanity/tve/passesAll").asBoolean()).isTrue();
    assertThat(h.at("/sanity/occlusion/passesAll").asBoolean()).isFalse();
    assertThat(h.at("/sanity/tve/verdict").asText()).isEqualTo("passes");
    assertThat(rep.markdown()).contains("| deletion AUC, black canvas ↓ | occlusion | 0.100 | 0.500 | 0.140 | 0.90", "| occlusion | 0.90 [0.90, 0.90] FAIL | fails |");
  }

  @Test
  void baselinesFromARunOnTheOtherOutputJoinAndRecoveryCountsAgainstTheStronger(@TempDir Path dir) throws Exception {
    // This run (logit): TVE 0.14, occlusion 0.2, random 0.5 on black deletion. The probability run's occlusion reaches 0.1:
    // against it TVE recovers (0.5 - 0.14) / 0.4 = 0.9 (against this run's own occlusion it would be 1.2).
    float[] map = new float[49];
    for (int p = 0; p < 49; p++) map[p] = p;
    List<ImageRecord> logit = new ArrayList<>();
    Path other = dir.resolve("probability");
    Map<String, Object> setup = new LinkedHashMap<>(Map.of("modelWeightsSha256", "abc", "split", "test", "sceneSeed", 5, "subsets", 100, "seed", 7,
        "blurSigma", 4, "methods", List.of("tve", "occlusion", "random"), "output", "logit"));
    try (RecordFile<ImageRecord> f = RecordFile.open(other.resolve("rows.jsonl"), ImageRecord.class)) {
      for (int i = 0; i < 20; i++) {
        Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>();
        m.put("tve", scores(0.14, 0.2, 0.6, map, 0.01));
        m.put("occlusion", scores(0.2, 0.2, 0.6, map, 0.05));
        m.put("random", scores(0.5, 0.4, 0.3, map, 0));
        logit.add(record(i, m));
        Map<String, ImageRecord.MethodScores> q = new LinkedHashMap<>(m);
        q.put("occlusion", scores(0.1, 0.2, 0.6, map, 0.05));
        f.append(record(i, q));
      }
    }
    Map<String, Object> theirs = new LinkedHashMap<>(setup);
    theirs.put("output", "probability");
    theirs.put("blurSigma", 4.0);
    ObjectMapper json = new ObjectMapper();
    json.writeValue(other.resolve("setup.json").toFile(), theirs);

    JoinedBaselines.Joined j = JoinedBaselines.join(logit, List.of("tve", "occlusion", "random"), setup, other);
    assertThat(j.output()).isEqualTo("probability");
    assertThat(j.methods()).containsExactly("tve", "occlusion", "random", "occlusion [probability]");
    Report rep = Report.of(j.rows(), List.of(), j.methods(), List.of("h"), Double.NaN, 7);
    JsonNode h = json.valueToTree(rep.json()).at("/heads/0");
    assertThat(h.at("/recovery/deletion-black/best").asText()).isEqualTo("occlusion [probability]");
    assertThat(h.at("/recovery/deletion-black/recovery").asDouble()).isCloseTo(0.9, within(1e-9));
    assertThat(h.at("/recoveryByMethod/occlusion/deletion-black/recovery").asDouble()).isCloseTo(1.2, within(1e-9));
    assertThat(rep.markdown()).contains("explaining either output");

    // A run on the same output (a new explainer evaluated with tve and random only) takes the methods it left out, under their names.
    Map<String, Object> same = new LinkedHashMap<>(theirs);
    same.put("output", "logit");
    json.writeValue(other.resolve("setup.json").toFile(), same);
    List<ImageRecord> tveOnly = logit.stream().map(r -> {
      Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>(r.methods());
      m.remove("occlusion");
      return new ImageRecord(r.head(), r.scene(), r.label(), r.headLabel(), r.predicted(), r.probability(), r.blurredProbability(), r.boxShare(), m, r.file());
    }).toList();
    JoinedBaselines.Joined k = JoinedBaselines.join(tveOnly, List.of("tve", "random"), setup, other);
    assertThat(k.otherOutput()).isFalse();
    assertThat(k.methods()).containsExactly("tve", "random", "occlusion");
    JsonNode hk = json.valueToTree(Report.of(k.rows(), List.of(), k.methods(), List.of("h"), Double.NaN, 7).json()).at("/heads/0");
    assertThat(hk.at("/recovery/deletion-black/best").asText()).isEqualTo("occlusion");
    assertThat(hk.at("/recovery/deletion-black/recovery").asDouble()).isCloseTo(0.9, within(1e-9));

    // Refused: the same output with nothing to add, a run on another model, a run missing some of this run's images.
    assertThatThrownBy(() -> JoinedBaselines.join(logit, List.of("tve", "occlusion", "random"), setup, other))
        .hasMessageContaining("nothing to join");
    Map<String, Object> model = new LinkedHashMap<>(theirs);
    model.put("modelWeightsSha256", "def");
    json.writeValue(other.resolve("setup.json").toFile(), model);
    assertThatThrownBy(() -> JoinedBaselines.join(logit, List.of("tve"), setup, other)).hasMessageContaining("modelWeightsSha256 = def");
    json.writeValue(other.resolve("setup.json").toFile(), theirs);
    List<ImageRecord> more = new ArrayList<>(logit);
    more.add(record(99, logit.get(0).methods()));
    assertThatThrownBy(() -> JoinedBaselines.join(more, List.of("tve"), setup, other)).hasMessageContaining("lacks 1 of this run's 21 images");
  }

  @Test
  void theRandomisedHeadKeepsShapeAndSpreadButNotTheWeights() {
    SplittableRandom r = new SplittableRandom(3);
    float[] w = new float[10 * 64];
    for (int i = 0; i < w.length; i++) w[i] = (float) (0.3 * r.nextGaussian() + 0.05);
    List<String> names = new ArrayList<>();
    for (int c = 0; c < 10; c++) names.add("c" + c);
    LinearHead h = new LinearHead("ten", w, new float[10], names);
    LinearHead a = SanityCheck.randomHead(h, 7), b = SanityCheck.randomHead(h, 7);
    assertThat(a.weight()).isEqualTo(b.weight()).isNotEqualTo(w);
    assertThat(a.classNames()).isEqualTo(names);
    double v = 0;
    for (float x : a.weight()) v += x * x / a.weight().length;
    assertThat(Math.sqrt(v)).isCloseTo(0.3, within(0.03));
    assertThat(SanityCheck.passes(0.49, 0.99)).isTrue();
    assertThat(SanityCheck.passes(0.51, 0.6)).isFalse();
    assertThat(SanityCheck.passes(0.3, 1.0)).isFalse();
  }

  @Test
  void everyValueTheHtmlReportShowsIsEscaped() {
    String hostile = "h\"><img src=x onerror=alert(1)>";
    List<ImageRecord> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      float[] map = new float[49];
      map[i] = 1;
      Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>();
      m.put("tve", scores(0.1, 0.2, 0.7, map, 0.01));
      m.put("random", scores(0.5, 0.4, 0.3, map.clone(), 0));
      rows.add(new ImageRecord(hostile, i, 1, 1, 1, 0.9f, 0.1f, 0.2, m, null));
    }
    Report rep = Report.of(rows, List.of(), List.of("tve", "random"), List.of(hostile), Double.NaN, 7);
    String html = rep.html("<script>t</script>", "set'up", List.of("curves-" + hostile + "-deletion.png"), List.of("overlays/" + hostile + "-0.png"));
    assertThat(html).doesNotContain("<img src=x").doesNotContain("<script>t").doesNotContain("set'up")
        .contains("h&quot;&gt;&lt;img src=x onerror=alert(1)&gt;").contains("&lt;script&gt;");
  }

  @Test
  void aConstantMapIsItsOwnSanityOutcomeNeitherPassNorFail() {
    List<ImageRecord> rows = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < 12; i++) {
      float[] map = new float[49];
      for (int p = 0; p < 49; p++) map[p] = (float) r.nextDouble();
      Map<String, ImageRecord.MethodScores> m = new LinkedHashMap<>();
      m.put("tve", scores(0.1, 0.2, 0.7, map, 0.01));
      m.put("flat", scores(0.5, 0.4, 0.3, new float[49], 0));       // a constant map
      m.put("random", scores(0.5, 0.4, 0.3, map.clone(), 0));
      rows.add(record(i, m));
    }
    List<SanityRecord> sanity = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Map<String, Double> rho = new LinkedHashMap<>();
      rho.put("tve", 0.1);
      rho.put("flat", null);                                           // what SanityCheck records for a constant map
      rho.put("random", i < 5 ? null : 0.05);                          // constant on half the images
      sanity.add(new SanityRecord("h", SanityCheck.RANDOM_HEAD, i, rho));
    }
    Report rep = Report.of(rows, sanity, List.of("tve", "flat", "random"), List.of("h"), Double.NaN, 7);
    JsonNode h = new ObjectMapper().valueToTree(rep.json()).at("/heads/0");
    assertThat(h.at("/sanity/flat/verdict").asText()).isEqualTo("constant");
    assertThat(h.at("/sanity/flat/passesAll").asBoolean()).isFalse();
    assertThat(h.at("/sanity/flat/" + SanityCheck.RANDOM_HEAD + "/outcome").asText()).isEqualTo("constant");
    assertThat(h.at("/sanity/random/" + SanityCheck.RANDOM_HEAD + "/constantMaps").asInt()).isEqualTo(5);
    assertThat(h.at("/sanity/tve/verdict").asText()).isEqualTo("passes");
    assertThat(rep.markdown()).contains("constant (10 of 10)");
  }
}
