package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.model.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zoo recipe end to end at smoke sizes on the committed fixture: twice, the same bytes. */
class ZooBuildTest {
  static Map<String, String> hashes(Path zoo) throws Exception {
    Map<String, String> h = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(zoo)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String name = zoo.relativize(p).toString();
        // Cards and the recipe hold timings; checkpoints hold optimizer state: compare the artefacts.
        if (name.endsWith(".pt") && !name.contains("checkpoint") || name.endsWith(".npy")) h.put(name, ModelCard.sha256(p));
      }
    }
    return h;
  }

  @Test
  void theSmokeBuildIsCompleteAndReproducible(@TempDir Path dir) throws Exception {
    Path data = Path.of(ZooBuildTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    Map<String, String> first = null;
    for (String run : new String[] {"a", "b"}) {
      Path zoo = dir.resolve("zoo-" + run), samples = dir.resolve("samples-" + run);
      String[] r = CliTest.capture("zoo", "build", "--smoke", "--data", data.toString(), "--out", zoo.toString(), "--samples", samples.toString(),
          "--threads", "1");
      assertThat(r[0]).as(r[2]).isEqualTo("0");
      assertThat(zoo.resolve("scene-vit/encoder.card.json")).exists();
      for (String head : new String[] {"ten-class", "coarse", "held-out", "shuffled-labels"}) {
        assertThat(zoo.resolve("scene-vit/" + head + ".head.json")).exists();
      }
      assertThat(zoo.resolve("explainer/explainer.card.json")).exists();
      assertThat(zoo.resolve("explainer/loss.png")).exists();
      assertThat(zoo.resolve("scene-vit/in-distribution.json")).exists();
      assertThat(zoo.resolve("explainer/fit-calibration.json")).exists();
      assertThat(samples.resolve("scenes.json")).exists();
      assertThat(samples.resolve("scene-03.png")).exists();
      Map<String, String> h = hashes(zoo);
      assertThat(h).containsKeys("scene-vit/encoder.pt", "explainer/explainer.pt", "scene-vit/coarse.w1.npy", "scene-vit/in-distribution.npy");
      if (first == null) first = h;
      else assertThat(h).isEqualTo(first);
      // A build started again over a complete zoo does nothing and changes nothing.
      if (run.equals("b")) {
        byte[] recipe = Files.readAllBytes(zoo.resolve("recipe.json")), scene = Files.readAllBytes(samples.resolve("scene-03.png"));
        assertThat(Files.readString(zoo.resolve("recipe.json"))).contains("\"stepsThisRun\" : [ \"encoder\", \"heads\", \"explainer\", \"verify\" ]");
        String[] again = CliTest.capture("zoo", "build", "--smoke", "--data", data.toString(), "--out", zoo.toString(), "--samples",
            samples.toString(), "--threads", "1");
        assertThat(again[0]).isEqualTo("0");
        assertThat(again[2]).contains("step 1/5 done already").contains("step 3/5 done already").contains("step 4/5 done already");
        assertThat(again[2]).contains("recipe.json kept");
        assertThat(hashes(zoo)).isEqualTo(first);
        assertThat(Files.readAllBytes(zoo.resolve("recipe.json"))).isEqualTo(recipe);
        assertThat(Files.readAllBytes(samples.resolve("scene-03.png"))).isEqualTo(scene);
      }
    }
    // The smoke zoo explains the smoke samples.
    String[] r = CliTest.capture("explain", dir.resolve("samples-a").toString(), "--model", dir.resolve("zoo-a/scene-vit").toString(),
        "--explainer", dir.resolve("zoo-a/explainer").toString(), "--out", dir.resolve("out").toString(), "--head", "coarse,ten-class");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("done 4 images");
    // And its faithfulness check runs end to end: calibration, held-out and other scenes, paired intervals.
    Path faith = dir.resolve("faith");
    String[] f = CliTest.capture("faithfulness", "--model", dir.resolve("zoo-a/scene-vit").toString(), "--explainer",
        dir.resolve("zoo-a/explainer").toString(), "--data", data.toString(), "--scenes", "6", "--held-out-scenes", "3",
        "--calibration-scenes", "40", "--maps", "tve,tve-raw,random,intensity,occlusion,saliency", "--out", faith.toString());
    assertThat(f[0]).as(f[2]).isEqualTo("0");
    assertThat(f[2]).contains("blur calibration");
    assertThat(Files.readAllLines(faith.resolve("rows.jsonl"))).hasSize(9);
    assertThat(Files.readString(faith.resolve("summary.md"))).contains("held-out-class scenes (3 scenes", "other scenes (6 scenes",
        "| tve - random |", "| tve - intensity |", "| tve - tve-raw |",
        "| tve - occlusion |", "| tve - saliency |");
    com.fasterxml.jackson.databind.JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper().readTree(faith.resolve("summary.json").toFile());
    assertThat(s.at("/summary/groups").size()).isEqualTo(3);
    assertThat(s.at("/setup/forwardPasses").asLong()).isEqualTo(9L * 6 * 3 * 50);
    assertThat(s.at("/setup/classicExplainerCost/occlusion/passesPerImage").asDouble()).isEqualTo(50.0);
    assertThat(s.at("/setup/classicExplainerCost/saliency/passesPerImage").asDouble()).isEqualTo(1.0);

    // tve evaluate: every report part, then a rerun with more scenes continues without redoing the first.
    Path ev = dir.resolve("evaluate");
    String[] common = {"evaluate", "--model", dir.resolve("zoo-a/scene-vit").toString(), "--explainer", dir.resolve("zoo-a/explainer").toString(),
        "--data", data.toString(), "--calibration-scenes", "40", "--methods", "tve,saliency,integrated-gradients,grad-cam,occlusion,random,intensity",
        "--heads", "ten-class,held-out", "--sanity-n", "2", "--sanity-steps", "3", "--overlays", "1", "--out", ev.toString()};
    String[] e1 = CliTest.capture(concat(common, "--n", "3"));
    assertThat(e1[0]).as(e1[2]).isEqualTo("0");
    List<String> rows = Files.readAllLines(ev.resolve("rows.jsonl"));
    assertThat(rows).hasSize(6);
    // Sanity: random head and shuffled labels for ten-class, random head for held-out (no shuffled twin), random encoder for both.
    assertThat(Files.readAllLines(ev.resolve("sanity.jsonl"))).hasSize(2 * 3 + 2 * 2);
    assertThat(Files.readString(ev.resolve("summary.md"))).contains("### Head `ten-class` (3 images)", "### Head `held-out` (3 images)",
        "| tve - occlusion |", "Recovery", "Break-even with occlusion", "Spearman with occlusion", "random-encoder (Spearman ↓)",
        "| intensity | 1.00 [1.00, 1.00] FAIL");
    assertThat(ev.resolve("report.html")).exists();
    assertThat(ev.resolve("curves-held-out-insertion-blur.png")).exists();
    assertThat(ev.resolve("sanity-explainer/explainer.card.json")).exists();
    try (Stream<Path> o = Files.list(ev.resolve("overlays"))) {
      assertThat(o.count()).isEqualTo(2);
    }
    String[] e2 = CliTest.capture(concat(common, "--n", "4"));
    assertThat(e2[0]).as(e2[2]).isEqualTo("0");
    assertThat(e2[2]).contains("head ten-class: 1 of 4 images to do (3 done)");
    List<String> more = Files.readAllLines(ev.resolve("rows.jsonl"));
    assertThat(more).hasSize(8).startsWith(rows.toArray(new String[0]));
    assertThat(e2[1]).contains("8 images");
    // Other settings into the same folder are refused, naming the setting.
    String[] e3 = CliTest.capture(concat(common, "--n", "4", "--seed", "8"));
    assertThat(e3[0]).isNotEqualTo("0");
    assertThat(e3[2]).contains("seed = 7, not 8");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
