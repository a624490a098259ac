package dev.tve.cli;

import static dev.tve.cli.CliTest.capture;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.image.FashionMnist;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's TorchScript classifier through the command line, end to end on the committed fixture:
 * tve scenes, tve import, tve pretrain, tve explain with TVE and classic methods, tve evaluate on the
 * image folder with labels and boxes; and every bad input refused with one line and exit code 2.
 */
class OwnModelCommandTest {
  @TempDir static Path dir;
  static Path fixtures, images, model;

  static Path fixture(String name) {
    return fixtures.resolve(name);
  }

  @BeforeAll
  static void importTheFixture() throws Exception {
    ThreadPolicy.apply(1);
    fixtures = Path.of(OwnModelCommandTest.class.getResource("/torchscript/head.pt").toURI()).getParent();
    Path data = Path.of(OwnModelCommandTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    images = dir.resolve("images");
    String[] r = capture("scenes", "--split", "test", "--n", "40", "--data", data.toString(), "--out", images.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(images.resolve("labels.csv")).exists();
    assertThat(images.resolve("boxes.json")).exists();
    // A ten-class head on the fixture's 24-dim embeddings, as W/b arrays with the scene class names.
    Random rnd = new Random(3);
    float[] w = new float[10 * 24];
    for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
    Npy.write(dir.resolve("ten.w.npy"), NpyArray.ofFloats(w, 10, 24));
    Npy.write(dir.resolve("ten.b.npy"), NpyArray.ofFloats(new float[10], 10));
    Files.writeString(dir.resolve("fashion.txt"), String.join("\n", FashionMnist.CLASSES) + "\n");
    model = dir.resolve("model");
    r = capture("import", "--encoder", fixture("cnn-encoder.pt").toString(), "--head", "ten=" + dir.resolve("ten.w.npy") + "," + dir.resolve("ten.b.npy"),
        "--head", "joints=" + fixture("head.pt"), "--classes", dir.resolve("fashion.txt").toString(), "--classes", fixture("labels.txt").toString(),
        "--size", "32", "--patch", "8", "--out", model.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("exposes [forward, features, from_features]").contains("head ten: 10 classes").contains("head joints: 5 classes");
  }

  @Test
  void importPretrainExplainAndEvaluateOnTheUsersImages() throws Exception {
    Path explainer = dir.resolve("explainer");
    String[] r = capture("pretrain", "--model", model.toString(), "--images", images.toString(), "--steps", "6", "--batch", "4",
        "--validation-images", "4", "--out", explainer.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("explainer trunk: encoder (a trainable copy of the TorchScript module, read through features(x))")
        .contains("step 6: held-out R^2 keep");
    JsonNode card = new ObjectMapper().readTree(explainer.resolve("explainer.card.json").toFile());
    assertThat(card.path("formatVersion").asInt()).isEqualTo(2);
    assertThat(card.path("config").path("trunk").asText()).isEqualTo("torchscript");
    assertThat(card.path("training").path("heldOutCurve").size()).isGreaterThan(0);

    for (String method : List.of("tve", "grad-cam", "integrated-gradients", "kernel-shap")) {
      Path out = dir.resolve("explain-" + method);
      r = capture("explain", "--model", model.toString(), "--explainer", explainer.toString(), "--head", "ten", "--method", method,
          images.toString(), "--out", out.toString());
      assertThat(r[0]).as(method + ": " + r[2]).isEqualTo("0");
      assertThat(Files.readAllLines(out.resolve("manifest.jsonl"))).as(method).hasSize(41);   // the header and 40 files
    }

    Path eval = dir.resolve("evaluation");
    r = capture("evaluate", "--model", model.toString(), "--explainer", explainer.toString(), "--images", images.toString(),
        "--labels", images.resolve("labels.csv").toString(), "--boxes", images.resolve("boxes.json").toString(), "--n", "6",
        "--heads", "ten", "--methods", "tve,occlusion,grad-cam,random,intensity", "--sanity-n", "2", "--calibration-scenes", "30", "--out", eval.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    String md = Files.readString(eval.resolve("summary.md"));
    assertThat(md).contains("Head `ten` (6 images)").contains("Only 6 images").contains("pointing game hit rate")
        .contains("accuracy on the labels to near chance").contains("random-encoder");
    JsonNode setup = new ObjectMapper().readTree(eval.resolve("setup.json").toFile());
    assertThat(setup.path("images").asText()).endsWith("images");
    assertThat(setup.path("sanitySteps").asInt()).isEqualTo(30);   // 5 per image of --n, at least 20
    assertThat(Files.readAllLines(eval.resolve("rows.jsonl"))).hasSize(6).allMatch(l -> l.contains("\"file\":\"scene-0000"));
    assertThat(eval.resolve("sanity-explainer/trunk.pt")).exists();
  }

  @Test
  void theReadmesEncoderExampleRunsWithItsDefaults() throws Exception {
    Path out = dir.resolve("explainer-from-encoder");
    String[] r = capture("pretrain", "--encoder", fixture("cnn-encoder.pt").toString(), "--images", images.toString(), "--size", "32", "--patch", "8",
        "--steps", "3", "--batch", "4", "--validation-images", "4", "--out", out.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(Files.readString(out.resolve("explainer.card.json"))).contains("trainable copy of the TorchScript module");
  }

  @Test
  void badInputExitsTwoWithOneLineNamingTheFileAndWritesNothing() throws Exception {
    record Case(List<String> args, String file, String reason) {}
    String labels4 = fixture("labels-4.txt").toString();
    List<Case> cases = List.of(
        new Case(List.of("--encoder", fixture("bad-shape.pt").toString(), "--head", fixture("head.pt").toString()), "bad-shape.pt", "need [B, D]"),
        new Case(List.of("--encoder", fixture("bad-dtype.pt").toString(), "--head", fixture("head.pt").toString()), "bad-dtype.pt", "float32"),
        new Case(List.of("--encoder", fixture("bad-tokens.pt").toString(), "--head", fixture("head.pt").toString()), "bad-tokens.pt", "tokens(x)"),
        new Case(List.of("--encoder", fixture("bad-channels.pt").toString(), "--head", fixture("head.pt").toString()), "bad-channels.pt", "fails"),
        new Case(List.of("--encoder", fixture("cnn-encoder.pt").toString(), "--head", fixture("head-d10.pt").toString()), "head-d10.pt", "D=10"),
        new Case(List.of("--encoder", fixture("cnn-encoder.pt").toString(), "--head", fixture("head.pt").toString(), "--classes", labels4),
            "labels-4.txt", "4 class names"));
    int k = 0;
    for (Case c : cases) {
      Path out = dir.resolve("bad-" + k++);
      String[] args = Stream.concat(Stream.of("import"), Stream.concat(c.args().stream(), Stream.of("--size", "32", "--patch", "8", "--out",
          out.toString()))).toArray(String[]::new);
      String[] r = capture(args);
      assertThat(r[0]).as(c.toString()).isEqualTo("2");
      assertThat(r[2].strip().lines()).as(c.toString()).hasSize(1);
      assertThat(r[2]).as(c.toString()).contains(c.file()).contains(c.reason());
      assertThat(out).as(c.toString()).doesNotExist();
    }
    Path eval = dir.resolve("bad-shard");
    String[] r = capture("evaluate", "--model", model.toString(), "--images", images.toString(), "--methods", "occlusion", "--shard", "3/2",
        "--out", eval.toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--shard 3/2");
    assertThat(eval).doesNotExist();
    r = capture("explain", "--model", model.toString(), "--method", "tve", images.toString(), "--out", dir.resolve("no-explainer").toString());
    assertThat(r[0]).isEqualTo("2");
  }
}
