package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.model.LinearHead;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tve explain end to end on a tiny model and explainer saved to disk, with bad files and a killed run. */
class ExplainCommandTest {
  @TempDir static Path dir;
  static Path model, explainer, images;

  @BeforeAll
  static void zoo() throws Exception {
    ThreadPolicy.apply(1);
    torch.manual_seed(4);
    VitEncoder enc = new VitEncoder(1, 56, 8, 32, 1, 4);
    enc.eval();
    Random r = new Random(1);
    float[] w = new float[10 * 32], b = new float[10];
    for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
    List<String> names = FashionMnist.CLASSES;
    ModelCard card = ModelCard.of(enc.architecture(), names, dev.tve.model.InputSpec.of(56, 1, 0.13f, 0.28f, 7));
    model = dir.resolve("model");
    new TargetModel(enc, card, List.of(new LinearHead("ten-class", w, b, names))).save(model);
    String sha = ModelCard.read(model.resolve("encoder.card.json")).weightsSha256();
    ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED));
    explainer = dir.resolve("explainer");
    ExplainerFiles.save(explainer, net, ExplainerCard.of("explainer", net.config(), sha, 1, 1, 1, "test", Map.of(), List.of(), "", null, null, null, "t"));
    // Five scenes as PNG, in two folders with a clashing name, plus a corrupt and an empty file.
    Path fixture = Path.of(ExplainCommandTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    LabeledImages train = FashionMnist.load(fixture, FashionMnist.Split.TRAIN);
    SceneGenerator gen = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(3).build();
    images = dir.resolve("images");
    Files.createDirectories(images.resolve("a"));
    Files.createDirectories(images.resolve("b"));
    for (int i = 0; i < 5; i++) {
      Path f = images.resolve(i < 3 ? "a" : "b").resolve(i == 3 ? "s0.png" : "s" + i + ".png");
      try (Mat m = new Mat(56, 56, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(gen.scene(i).pixels()))) {
        opencv_imgcodecs.imwrite(f.toString(), m);
      }
    }
    byte[] junk = new byte[300];
    r.nextBytes(junk);
    Files.write(images.resolve("b/corrupt.png"), junk);
    Files.write(images.resolve("b/empty.jpg"), new byte[0]);
  }

  static List<JsonNode> manifest(Path out) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(out.resolve("manifest.jsonl"))) lines.add(new ObjectMapper().readTree(l));
    assertThat(lines.get(0).path("schema").asText()).isEqualTo("tve.manifest");
    return lines.subList(1, lines.size());
  }

  static JsonNode manifestSettings(Path out) throws Exception {
    JsonNode h = new ObjectMapper().readTree(Files.readAllLines(out.resolve("manifest.jsonl")).get(0));
    assertThat(h.path("version").asInt()).isEqualTo(dev.tve.batch.OutputSchema.VERSION);
    return h.path("settings");
  }

  @Test
  void explainsFoldersWritesEveryOutputAndResumesAfterAKill() throws Exception {
    Path out = dir.resolve("out");
    String[] r = CliTest.capture("explain", images.toString(), "--model", model.toString(), "--explainer", explainer.toString(),
        "--out", out.toString(), "--target", "topk:2", "--batch", "2");
    assertThat(r[0]).as(r[2]).isEqualTo("1");                       // two bad files: non-zero exit
    assertThat(r[2]).contains("corrupt.png").contains("empty.jpg");
    assertThat(r[1]).contains("done 5 images").contains("failed 2");
    List<JsonNode> m = manifest(out);
    assertThat(m).hasSize(7);
    assertThat(m.stream().filter(e -> e.path("status").asText().equals("failed")).map(e -> e.path("file").asText()))
        .allMatch(f -> f.endsWith("corrupt.png") || f.endsWith("empty.jpg"));
    List<String> overlays = new ArrayList<>();
    for (JsonNode e : m) {
      if (!e.path("status").asText().equals("done")) continue;
      assertThat(e.path("targets")).hasSize(2);
      JsonNode prov = manifestSettings(out);
      assertThat(prov.path("method").asText()).isEqualTo("tve");
      assertThat(prov.path("target").asText()).isEqualTo("topk:2");
      assertThat(prov.path("kernel").asText()).isNotEmpty();
      assertThat(prov.path("modelWeightsSha256").asText()).hasSize(64);
      assertThat(prov.path("explainerWeightsSha256").asText()).hasSize(64);
      assertThat(prov.path("version").asText()).isEqualTo(dev.tve.runtime.Version.VERSION).isNotEqualTo("unknown");
      assertThat(prov.path("output").asText()).isEqualTo("logit");
      assertThat(e.path("predictions").path("ten-class").path("probability").asDouble()).isBetween(0.0, 1.0);
      NpyArray raw = Npy.read(out.resolve(e.path("maps").asText()));
      assertThat(raw.shape()).containsExactly(2, 7, 7);
      assertThat(Files.size(out.resolve(e.path("overlay").asText()))).isGreaterThan(1000);
      overlays.add(e.path("overlay").asText());
    }
    assertThat(overlays).doesNotHaveDuplicates();                  // a/s0.png and b/s0.png do not collide
    assertThat(out.resolve("montage.png")).exists();
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
    }

    // Same --out again: the five are skipped.
    r = CliTest.capture("explain", images.toString(), "--model", model.toString(), "--explainer", explainer.toString(),
        "--out", out.toString(), "--target", "topk:2");
    assertThat(r[1]).contains("done 0 images, skipped 5 (done before), failed 2");

    // A run killed mid-write: a torn last manifest line and a temp file left behind.
    List<String> lines = Files.readAllLines(out.resolve("manifest.jsonl"));
    String last = null;
    for (String l : lines) if (l.contains("\"done\"")) last = l;
    List<String> torn = new ArrayList<>();
    for (String l : lines) if (!l.equals(last)) torn.add(l);
    Files.writeString(out.resolve("manifest.jsonl"), String.join("\n", torn) + "\n" + last.substring(0, last.length() / 2), StandardCharsets.UTF_8);
    Files.write(out.resolve(".tve-tmp-x.maps.npy.0badcafe.tmp"), new byte[] {1, 2});     // the engine's own leftover
    Files.write(out.resolve("notes.tmp"), new byte[] {3});                              // not the engine's
    r = CliTest.capture("explain", images.toString(), "--model", model.toString(), "--explainer", explainer.toString(),
        "--out", out.toString(), "--target", "topk:2");
    assertThat(r[1]).contains("done 1 images, skipped 4");
    assertThat(out.resolve(".tve-tmp-x.maps.npy.0badcafe.tmp")).doesNotExist();
    assertThat(out.resolve("notes.tmp")).hasBinaryContent(new byte[] {3});
    for (String l : Files.readAllLines(out.resolve("manifest.jsonl"))) new ObjectMapper().readTree(l);   // every line parses
  }

  static String[] explain(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("explain"));
    a.addAll(List.of(more));
    a.addAll(List.of("--model", model.toString(), "--explainer", explainer.toString(), "--out", out.toString()));
    return CliTest.capture(a.toArray(new String[0]));
  }

  /** Copies scene i of the fixture folder to {@code to} (any extension: the decoder reads the content). */
  static void scene(int i, Path to) throws Exception {
    Files.createDirectories(to.toAbsolutePath().getParent());
    Files.copy(images.resolve(i < 3 ? "a" : "b").resolve(i == 3 ? "s0.png" : "s" + i + ".png"), to);
  }

  @Test
  void namesThatFlattenAlikeGetTheirOwnOutputsAndEachMapIsItsOwnImages() throws Exception {
    // Before: 6 manifest lines and 3 maps, 3 lines describing another image's map.
    Path in = dir.resolve("collide");
    String[] names = {"a b.png", "a_b.png", "x.png", "x.jpg", "s_x/y.png", "s/x_y.png"};
    for (int i = 0; i < names.length; i++) scene(i % 5, in.resolve(names[i]));
    Path out = dir.resolve("collide-out");
    String[] r = explain(out, in.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    List<JsonNode> m = manifest(out);
    assertThat(m).hasSize(6);
    assertThat(m.stream().map(e -> e.path("maps").asText()).distinct()).hasSize(6);
    assertThat(m.stream().map(e -> e.path("overlay").asText()).distinct()).hasSize(6);
    // Each map is its own image's: the same as explaining that file alone.
    for (JsonNode e : m) {
      Path f = Path.of(e.path("file").asText());
      Path alone = dir.resolve("alone-" + Math.abs(f.toString().hashCode()));
      assertThat(explain(alone, f.toString())[0]).isEqualTo("0");
      NpyArray mine = Npy.read(out.resolve(e.path("maps").asText()));
      NpyArray ref = Npy.read(alone.resolve(manifest(alone).get(0).path("maps").asText()));
      assertThat(mine.toFloatArray()).containsExactly(ref.toFloatArray(), org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void aRerunWithOtherSettingsIsRefusedNamingWhatDiffersAndRecomputeRedoesIt() throws Exception {
    // Before: "0 explained (N already done)", exit 0, the old maps kept.
    Path out = dir.resolve("settings-out");
    assertThat(explain(out, images.resolve("a").toString(), "--target", "pred")[0]).isEqualTo("0");
    String before = Files.readString(out.resolve("manifest.jsonl"));
    String[] r = explain(out, images.resolve("a").toString(), "--target", "topk:2");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2].strip().split("\n")).hasSize(1);
    assertThat(r[2]).contains("target").contains("\"pred\" -> \"topk:2\"").contains("--recompute");
    assertThat(Files.readString(out.resolve("manifest.jsonl"))).isEqualTo(before);
    r = explain(out, images.resolve("a").toString(), "--target", "pred", "--head", "ten-class", "--method", "saliency");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("method");
    r = explain(out, images.resolve("a").toString(), "--target", "topk:2", "--recompute");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("done 3 images");
    for (JsonNode e : manifest(out)) {
      assertThat(e.path("targets")).hasSize(2);
      assertThat(Npy.read(out.resolve(e.path("maps").asText())).shape()).containsExactly(2, 7, 7);
    }
    assertThat(manifestSettings(out).path("target").asText()).isEqualTo("topk:2");
    // Another explainer (other weights for the same encoder) is another setting too.
    ExplainerCard card = ExplainerCard.read(explainer.resolve("explainer.card.json"));
    torch.manual_seed(9);
    Path other = dir.resolve("retrained-explainer");
    ExplainerFiles.save(other, new ExplainerNetwork(card.config()), ExplainerCard.of("explainer", card.config(), card.encoderWeightsSha256(), 1, 1, 1,
        "t", Map.of(), List.of(), "", null, null, null, "t"));
    r = CliTest.capture("explain", images.resolve("a").toString(), "--model", model.toString(), "--explainer", other.toString(), "--out",
        out.toString(), "--target", "topk:2");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("explainerWeightsSha256");
  }

  @Test
  void oneFileNamedTwiceOrRelativeAndAbsoluteIsDoneOnceAndAFailedFileIsRetriedWithoutASecondLine() throws Exception {
    Path in = dir.resolve("twice");
    scene(0, in.resolve("one.png"));
    Files.write(in.resolve("later.png"), new byte[] {1, 2, 3});
    Path out = dir.resolve("twice-out");
    Path rel = Path.of("").toAbsolutePath().relativize(in.resolve("one.png").toAbsolutePath());
    String[] r = explain(out, in.resolve("one.png").toString(), rel.toString(), in.toString());
    assertThat(r[0]).isEqualTo("1");                                    // later.png is not an image yet
    assertThat(r[1]).contains("done 1 images").contains("failed 1");
    assertThat(manifest(out)).hasSize(2);
    assertThat(r[2]).contains("failed " + in.resolve("later.png").toRealPath());
    // The bad file is fixed: a rerun retries it, and the manifest keeps one line per file.
    Files.delete(in.resolve("later.png"));
    scene(1, in.resolve("later.png"));
    r = explain(out, in.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[1]).contains("done 1 images, skipped 1");
    List<JsonNode> m = manifest(out);
    assertThat(m).hasSize(2);
    assertThat(m).allMatch(e -> e.path("status").asText().equals("done"));
  }

  @Test
  void missingInputsDanglingLinksAndAFileAsOutFolderAreNamedOnStderr() throws Exception {
    Path in = dir.resolve("links");
    scene(0, in.resolve("ok.png"));
    Files.createSymbolicLink(in.resolve("dangling.png"), in.resolve("nowhere.png"));
    Files.createSymbolicLink(in.resolve("loop.png"), in.resolve("loop.png"));
    Files.createSymbolicLink(in.resolve("back"), in);                                   // a folder linking back to itself
    assertThat(new ProcessBuilder("mkfifo", in.resolve("pipe.png").toString()).start().waitFor()).isZero();   // would block a reader
    Path out = dir.resolve("links-out");
    String[] r = explain(out, in.toString(), dir.resolve("no-such.png").toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("no-such.png: no such file or folder").contains("dangling.png: a dangling link").contains("loop.png: a link")
        .contains("back: a link loop").contains("pipe.png: not a regular file");
    assertThat(manifest(out)).hasSize(6);
    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    r = explain(file, in.resolve("ok.png").toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2].strip()).isEqualTo("tve explain: " + file + ": the output folder is a file");
  }

  static Path copyOfModel(String name) throws Exception {
    Path to = dir.resolve(name);
    Files.createDirectories(to);
    try (var files = Files.list(model)) {
      for (Path p : (Iterable<Path>) files::iterator) Files.copy(p, to.resolve(p.getFileName()));
    }
    return to;
  }

  /** Runs explain and predict on a broken model folder: both exit 2 with one line naming {@code file}, and nothing is written. */
  static void refused(Path broken, Path file, String... reason) throws Exception {
    Path out = dir.resolve("never-" + broken.getFileName());
    for (String[] r : List.of(
        CliTest.capture("explain", images.resolve("a").toString(), "--model", broken.toString(), "--explainer", explainer.toString(), "--out", out.toString()),
        CliTest.capture("predict", images.resolve("a").toString(), "--model", broken.toString()))) {
      assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
      assertThat(r[2].strip().lines().count()).as(r[2]).isEqualTo(1);
      assertThat(r[2]).contains(file.toString()).contains(reason).doesNotContain("Source:").doesNotContain("Exception");
      assertThat(r[1]).isEmpty();
    }
    assertThat(out).doesNotExist();
  }

  @Test
  void brokenModelFoldersAreRefusedAtLoadInOneLineNamingTheFile() throws Exception {
    // NaN in an MLP head: before, exit 0 with NaN maps and "probability":"NaN".
    Path mlp = copyOfModel("nan-mlp");
    float[] w1 = new float[8 * 32], b1 = new float[8], w2 = new float[3 * 8], b2 = new float[3];
    java.util.Arrays.fill(w1, 0.1f);
    w1[17] = Float.NaN;
    dev.tve.model.Heads.save(mlp, new dev.tve.model.MlpHead("coarse", 32, 8, w1, b1, w2, b2, List.of("a", "b", "c")));
    assertThat(dev.tve.model.ModelCard.read(mlp.resolve("encoder.card.json")).heads()).containsExactly("ten-class", "coarse");
    refused(mlp, mlp.resolve("coarse.w1.npy"), "NaN", "must be finite");
    // NaN in a linear head: before, caught at the first batch without naming the file, an empty manifest left.
    // Saved as a head (its card hashes the arrays as they are): the finite check is what refuses it.
    Path lin = copyOfModel("nan-linear");
    dev.tve.model.LinearHead ten = (dev.tve.model.LinearHead) dev.tve.model.Heads.load(lin.resolve("ten-class.head.json"));
    float[] b = ten.bias().clone();
    b[3] = Float.POSITIVE_INFINITY;
    dev.tve.model.Heads.save(lin, new dev.tve.model.LinearHead("ten-class", ten.weight(), b, ten.classNames()));
    refused(lin, lin.resolve("ten-class.b.npy"), "Infinity", "must be finite");
    // A deleted head card: before, the default head changed silently.
    Path gone = copyOfModel("no-head-card");
    Files.delete(gone.resolve("ten-class.head.json"));
    refused(gone, gone.resolve("ten-class.head.json"), "missing", "declares head 'ten-class'");
    // A missing array: before, only its path.
    Path npy = copyOfModel("no-npy");
    Files.delete(npy.resolve("ten-class.w.npy"));
    refused(npy, npy.resolve("ten-class.w.npy"), "missing");
    // Malformed card JSON: before, Jackson's message with "Source: REDACTED".
    Path json = copyOfModel("bad-json");
    Files.writeString(json.resolve("encoder.card.json"), Files.readString(json.resolve("encoder.card.json")).replaceFirst("\\{", "{ \"kind\" : ,"));
    refused(json, json.resolve("encoder.card.json"), "not valid JSON");
    Path wrong = copyOfModel("wrong-type");
    Files.writeString(wrong.resolve("encoder.card.json"), Files.readString(wrong.resolve("encoder.card.json")).replaceFirst("\"seed\" : [0-9]+", "\"seed\" : \"x\""));
    refused(wrong, wrong.resolve("encoder.card.json"), "not a valid model card");
    // A corrupt or non-finite encoder whose card hash matches.
    for (String kind : List.of("truncated", "nan")) {
      Path enc = copyOfModel("encoder-" + kind);
      Path pt = enc.resolve("encoder.pt");
      if (kind.equals("truncated")) {
        byte[] all = Files.readAllBytes(pt);
        Files.write(pt, java.util.Arrays.copyOf(all, all.length / 2));
      } else {
        TargetModel m = TargetModel.load(enc);
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
          ((VitEncoder) m.encoder()).named_parameters(true).get(0).value().view(-1).select(0, 0).fill_(new org.bytedeco.pytorch.Scalar(Float.NaN));
        }
        m.save(enc);
      }
      dev.tve.model.ModelCard card = dev.tve.model.ModelCard.read(enc.resolve("encoder.card.json"));
      card.withWeights("encoder.pt", dev.tve.model.ModelCard.sha256(pt)).write(enc.resolve("encoder.card.json"));
      refused(enc, pt, kind.equals("truncated") ? "cannot load" : "must be finite");
    }
  }

  @Test
  void anyMethodOfTheRegistryRunsAndRecordsItsExplainedOutput() throws Exception {
    Path out = dir.resolve("occlusion-out");
    String[] r = CliTest.capture("explain", images.resolve("a").toString(), "--model", model.toString(), "--method", "occlusion",
        "--output", "probability", "--out", out.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    JsonNode e = manifestSettings(out);
    assertThat(e.path("method").asText()).isEqualTo("occlusion");
    assertThat(e.path("output").asText()).isEqualTo("probability");
    assertThat(e.path("radius").asInt()).isEqualTo(1);
    String[] bad = CliTest.capture("explain", images.resolve("a").toString(), "--model", model.toString(), "--method", "lime",
        "--out", dir.resolve("lime-out").toString());
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2]).contains("lime").contains("occlusion");
    assertThat(dir.resolve("lime-out")).doesNotExist();
    String[] verifyOcc = CliTest.capture("explain", images.resolve("a").toString(), "--model", model.toString(), "--method", "saliency",
        "--verify", "4", "--out", dir.resolve("verify-out").toString());
    assertThat(verifyOcc[0]).isEqualTo("2");
    assertThat(verifyOcc[2]).contains("--verify");
  }

  @Test
  void anExplainerForAnotherEncoderIsRefused() throws Exception {
    Path other = dir.resolve("other-explainer");
    ExplainerCard card = ExplainerCard.read(explainer.resolve("explainer.card.json"));
    ExplainerNetwork net = new ExplainerNetwork(card.config());
    ExplainerFiles.save(other, net, ExplainerCard.of("explainer", card.config(), "0".repeat(64), 1, 1, 1, "t", Map.of(), List.of(), "", null,
        null, null, "t"));
    String[] r = CliTest.capture("explain", images.resolve("a").toString(), "--model", model.toString(), "--explainer", other.toString(),
        "--out", dir.resolve("out2").toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("pre-trained against encoder weights");
  }

  @Test
  void calibrateThenVerifyGivesBothFlagsInTheManifestAndInPredict() throws Exception {
    // A copy of the model and explainer (calibration writes into their folders), 60 in-distribution scenes to calibrate on.
    Path m2 = dir.resolve("cal-model"), x2 = dir.resolve("cal-explainer"), scenes = dir.resolve("cal-scenes");
    copy(model, m2);
    copy(explainer, x2);
    Path fixture = Path.of(ExplainCommandTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    LabeledImages train = FashionMnist.load(fixture, FashionMnist.Split.TRAIN);
    SceneGenerator gen = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(9).build();
    Files.createDirectories(scenes);
    for (int i = 0; i < 60; i++) {
      try (Mat m = new Mat(56, 56, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(gen.scene(i).pixels()))) {
        opencv_imgcodecs.imwrite(scenes.resolve(String.format("s%02d.png", i)).toString(), m);
      }
    }
    // Before calibration the flags are absent, the scores there.
    Path before = dir.resolve("out-verify-uncalibrated");
    String[] r = CliTest.capture("explain", images.resolve("a").toString(), "--model", m2.toString(), "--explainer", x2.toString(),
        "--out", before.toString(), "--verify", "3");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[2]).contains("no fit calibration").contains("no in-distribution calibration");
    for (JsonNode e : manifest(before)) {
      assertThat(e.path("verify").has("explainerFit")).isFalse();
      assertThat(e.path("verify").path("fitError").asDouble(-1)).isGreaterThanOrEqualTo(0);
      assertThat(e.path("verify").path("cosine").asDouble()).isBetween(-1.0, 1.0);
    }
    // A file that cannot be decoded is left out of the calibration (not read as a zero image), and said.
    Files.writeString(scenes.resolve("broken.png"), "not a png");
    r = CliTest.capture("calibrate", "--model", m2.toString(), "--explainer", x2.toString(), "--images", scenes.toString(), "--fit", "45",
        "--held-out", "12", "--centres", "2");
    assertThat(r[0]).as(r[2]).isEqualTo("1");
    assertThat(r[2]).contains("left out").contains("broken.png").contains("1 file(s) left out");
    assertThat(m2.resolve(dev.tve.model.InDistribution.CARD)).exists();
    assertThat(x2.resolve(dev.tve.explain.FitCalibration.FILE)).exists();
    // The fit threshold holds at the calibrated centre count only: another count is refused, --verify alone takes it.
    Path out = dir.resolve("out-verify");
    r = CliTest.capture("explain", images.resolve("a").toString(), "--model", m2.toString(), "--explainer", x2.toString(), "--out", out.toString(),
        "--verify", "3");
    assertThat(r[0]).isNotEqualTo("0");
    assertThat(r[2]).contains("calibrated at 2 centres");
    r = CliTest.capture("explain", images.resolve("a").toString(), "--model", m2.toString(), "--explainer", x2.toString(), "--out", out.toString(),
        "--verify");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(r[2]).doesNotContain("calibration:");
    Map<String, JsonNode> fromExplain = new java.util.HashMap<>();
    for (JsonNode e : manifest(out)) {
      JsonNode v = e.path("verify");
      assertThat(v.path("centres").asInt()).isEqualTo(2);
      assertThat(v.path("explainerFit").isBoolean()).as(v.toString()).isTrue();
      assertThat(v.path("inDistribution").isBoolean()).isTrue();
      assertThat(v.path("trusted").asBoolean()).isEqualTo(v.path("explainerFit").asBoolean() && v.path("inDistribution").asBoolean());
      assertThat(v.path("distance").asDouble(-1)).isGreaterThanOrEqualTo(0);
      fromExplain.put(e.path("file").asText(), v);
    }
    // Uniform noise is far from the calibration scenes' embeddings: flagged out of distribution.
    Path noise = dir.resolve("noise");
    Files.createDirectories(noise);
    Random rnd = new Random(2);
    byte[] px = new byte[56 * 56];
    rnd.nextBytes(px);
    try (Mat m = new Mat(56, 56, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(px))) {
      opencv_imgcodecs.imwrite(noise.resolve("noise.png").toString(), m);
    }
    // tve predict carries the same flags, each image's centres seeded by its file as in tve explain: the same verdicts,
    // although predict reads the files in another order and batch.
    List<String> args = new ArrayList<>(List.of("predict", "--batch", "1"));
    for (String f : fromExplain.keySet()) args.add(f);
    args.addAll(List.of("--model", m2.toString(), "--explainer", x2.toString(), "--verify"));
    r = CliTest.capture(args.toArray(String[]::new));
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    for (String line : r[1].strip().split("\n")) {
      JsonNode p = new ObjectMapper().readTree(line);
      JsonNode v = p.path("verify"), e = fromExplain.get(p.path("file").asText());
      assertThat(v.path("inDistribution")).isEqualTo(e.path("inDistribution"));
      assertThat(v.path("distance").asDouble()).isCloseTo(e.path("distance").asDouble(), within(1e-3 * (1 + e.path("distance").asDouble())));
      assertThat(v.path("centres").asInt()).isEqualTo(2);
      assertThat(v.path("explainerFit")).isEqualTo(e.path("explainerFit"));
      assertThat(v.path("fitError").asDouble()).isCloseTo(e.path("fitError").asDouble(), within(1e-4 * (1 + e.path("fitError").asDouble())));
    }
    r = CliTest.capture("predict", noise.resolve("noise.png").toString(), "--model", m2.toString(), "--verify", "-1");
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    JsonNode v = new ObjectMapper().readTree(r[1].strip()).path("verify");
    assertThat(v.path("inDistribution").asBoolean(true)).as(v.toString()).isFalse();
    assertThat(v.has("explainerFit")).isFalse();
  }

  static void copy(Path from, Path to) throws java.io.IOException {
    Files.createDirectories(to);
    try (java.util.stream.Stream<Path> s = Files.list(from)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) Files.copy(f, to.resolve(f.getFileName()));
    }
  }

  @Test
  void predictGivesProbabilitiesPerHeadAsJsonLinesInInputOrderWithTheManifestsKeys() throws Exception {
    // Before: errors printed before results, other keys than the manifest ("heads", "predicted").
    Path in = dir.resolve("predict-order");
    scene(0, in.resolve("1.png"));
    Files.write(in.resolve("2.png"), new byte[] {1, 2, 3});
    scene(1, in.resolve("3.png"));
    String[] r = CliTest.capture("predict", in.resolve("1.png").toString(), in.resolve("2.png").toString(), in.resolve("3.png").toString(),
        "--model", model.toString());
    assertThat(r[0]).isEqualTo("1");
    List<JsonNode> lines = new ArrayList<>();
    for (String l : r[1].split("\n")) if (!l.isBlank()) lines.add(new ObjectMapper().readTree(l));
    assertThat(lines).extracting(l -> Path.of(l.path("file").asText()).getFileName().toString()).containsExactly("1.png", "2.png", "3.png");
    assertThat(lines).extracting(l -> l.path("status").asText()).containsExactly("done", "failed", "done");
    assertThat(lines.get(1).path("error").asText()).isNotEmpty();
    assertThat(r[2]).contains("tve predict: failed " + in.resolve("2.png").toRealPath());
    for (JsonNode l : List.of(lines.get(0), lines.get(2))) {
      JsonNode h = l.path("predictions").path("ten-class");
      double sum = 0;
      for (JsonNode p : h.path("probabilities")) sum += p.asDouble();
      assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
      assertThat(h.path("name").asText()).isEqualTo(FashionMnist.CLASSES.get(h.path("class").asInt()));
      assertThat(h.path("probability").isNumber()).isTrue();
    }
  }
}
