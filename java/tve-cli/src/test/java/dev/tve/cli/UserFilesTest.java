package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine touches only what it wrote: an --out holding a user's files ({@code data.tmp}, a folder
 * {@code keep.tmp/}, {@code sub/a.txt}) and no run of its own is refused before anything is written
 * or deleted, by every command that writes a folder; every user file stays byte-identical (listed and
 * hashed before and after), also when the user says to write beside them, and when a rerun recomputes.
 */
class UserFilesTest {
  @TempDir static Path dir;
  static Path root, scenes;
  static String[] zoo;

  /** The command with the committed zoo named (tests run outside the checkout's root). */
  static String[] withZoo(String... args) {
    String[] a = java.util.Arrays.copyOf(args, args.length + zoo.length);
    System.arraycopy(zoo, 0, a, args.length, zoo.length);
    return a;
  }

  @BeforeAll
  static void images() throws Exception {
    root = Path.of("../..").toAbsolutePath().normalize();
    zoo = new String[] {"--model", root.resolve("zoo/scene-vit").toString(), "--explainer", root.resolve("zoo/explainer").toString()};
    scenes = Files.createDirectories(dir.resolve("scenes"));
    for (int i = 0; i < 6; i++) Files.copy(root.resolve(String.format("samples/scene-%02d.png", i)), scenes.resolve(String.format("scene-%02d.png", i)));
  }

  /** A folder with a user's files, named so that an engine cleaning "*.tmp" would take them. */
  static Path userFolder(String name) throws Exception {
    Path f = Files.createDirectories(dir.resolve(name));
    Files.writeString(f.resolve("data.tmp"), "the user's data");
    Files.createDirectories(f.resolve("keep.tmp"));
    Files.writeString(f.resolve("keep.tmp/inside.txt"), "kept");
    Files.createDirectories(f.resolve("sub"));
    Files.writeString(f.resolve("sub/a.txt"), "a");
    return f;
  }

  /** Every file under the folder, relative, with its SHA-256. */
  static Map<String, String> hashes(Path folder) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(folder)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(folder.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  static void refusedAndUntouched(Path folder, String... args) throws Exception {
    Map<String, String> before = hashes(folder);
    String[] r = CliTest.capture(args);
    assertThat(r[0]).as(String.join(" ", args) + "\n" + r[2]).isEqualTo("2");
    assertThat(r[2].strip().lines().count()).as(r[2]).isEqualTo(1);
    assertThat(hashes(folder)).as(args[0]).isEqualTo(before);
  }

  @Test
  void explainEvaluatePretrainAndImportRefuseAFolderOfTheUsersAndLeaveItAsItWas() throws Exception {
    Path f = userFolder("users");
    refusedAndUntouched(f, withZoo("explain", scenes.toString(), "--out", f.toString()));
    refusedAndUntouched(f, withZoo("explain", scenes.toString(), "--out", f.toString(), "--recompute"));
    refusedAndUntouched(f, withZoo("evaluate", "--images", scenes.toString(), "--methods", "random", "--n", "2", "--sanity-n", "0", "--out", f.toString()));
    refusedAndUntouched(f, "pretrain", "--model", root.resolve("zoo/scene-vit").toString(), "--images", scenes.toString(), "--steps", "2",
        "--batch", "2", "--validation-images", "2", "--out", f.toString());
    Path fixtures = root.resolve("java/test-fixtures/torchscript");
    refusedAndUntouched(f, "import", "--encoder", fixtures.resolve("cnn-encoder.pt").toString(), "--head", "h=" + fixtures.resolve("head.pt"),
        "--size", "32", "--patch", "8", "--out", f.toString());
    String[] r = CliTest.capture(withZoo("explain", scenes.toString(), "--out", f.toString()));
    assertThat(r[2]).contains("holds files this command did not write").contains("data.tmp").contains("--into-existing");
  }

  @Test
  void writingBesideTheUsersFilesAndRecomputingLeaveThemAsTheyWere() throws Exception {
    Path f = userFolder("beside");
    Map<String, String> before = hashes(f);
    String[] r = CliTest.capture(withZoo("explain", scenes.toString(), "--out", f.toString(), "--into-existing"));
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    // A leftover of the engine's own (a run killed between a write and its rename) goes; the user's stay.
    Files.writeString(f.resolve(".tve-tmp-montage.png.0badf00d.tmp"), "half a picture");
    r = CliTest.capture(withZoo("explain", scenes.toString(), "--out", f.toString(), "--recompute", "--method", "random"));
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    assertThat(f.resolve(".tve-tmp-montage.png.0badf00d.tmp")).doesNotExist();
    Map<String, String> after = hashes(f);
    for (Map.Entry<String, String> e : before.entrySet()) assertThat(after).containsEntry(e.getKey(), e.getValue());
    assertThat(ExplainCommandTest.manifest(f)).hasSize(6);
    // The header names the weights of the head it explains.
    com.fasterxml.jackson.databind.JsonNode header = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        Files.readAllLines(f.resolve("manifest.jsonl")).get(0));
    String head = new com.fasterxml.jackson.databind.ObjectMapper().readTree(root.resolve("zoo/scene-vit/ten-class.head.json").toFile())
        .path("weightsSha256").asText();
    assertThat(header.toString()).contains("\"headsSha256\":{\"ten-class\":\"" + head + "\"}");
  }

  @Test
  void aNewlineInAFileNameIsEscapedOnStderr() throws Exception {
    Path in = Files.createDirectories(dir.resolve("evil-in"));
    Files.write(in.resolve("evil\ntve explain: done FAKE.png"), new byte[] {1, 2, 3});
    String[] r = CliTest.capture(withZoo("explain", in.resolve("evil\ntve explain: done FAKE.png").toString(), "--out", dir.resolve("evil-out").toString()));
    assertThat(r[0]).as(r[2]).isEqualTo("1");
    List<String> lines = r[2].lines().toList();
    assertThat(lines).noneMatch(l -> l.startsWith("tve explain: done FAKE"));
    assertThat(r[2]).contains("evil\\ntve explain: done FAKE.png");
  }
}
