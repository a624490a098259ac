package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.api.NativeLibraries;
import dev.tve.api.Tve;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model and explainer folders are closed: every hostile card variant (paths out of the folder, '..'
 * names, absolute paths, links out, HTML in names) is refused before anything outside is read, and
 * the error names the card's field, never the hash of the file it pointed at.
 */
class ModelFolderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Path zoo;
  @TempDir Path tmp;
  Path model, explainer, outside;

  @BeforeAll
  static void load() {
    NativeLibraries.load();
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("zoo/scene-vit"))) p = p.getParent();
    zoo = p.resolve("zoo");
  }

  @BeforeEach
  void copy() throws IOException {
    model = tmp.resolve("models/m");
    explainer = tmp.resolve("models/x");
    outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    copyFolder(zoo.resolve("scene-vit"), model);
    copyFolder(zoo.resolve("explainer"), explainer);
    // What an attacker points at: real model files, outside the folder, so that only the rule refuses them.
    Files.copy(model.resolve("encoder.pt"), outside.resolve("encoder.pt"));
    for (String f : new String[] {"ten-class.head.json", "ten-class.w.npy", "ten-class.b.npy"}) Files.copy(model.resolve(f), outside.resolve(f));
  }

  static void copyFolder(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path f : s.toList()) if (Files.isRegularFile(f)) Files.copy(f, to.resolve(f.getFileName()));
    }
  }

  void editCard(Path file, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode n = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(n);
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), n);
  }

  void refused(String field) {
    assertThatThrownBy(() -> Tve.open(model, explainer).close()).isInstanceOf(ModelFileException.class)
        .hasMessageContaining(field).satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("[0-9a-f]{64}"));
  }

  @Test
  void theUntouchedCopyOpens() {
    Tve.open(model, explainer).close();
  }

  @Test
  void weightsOutsideTheFolderAreRefusedByPathAbsolutePathAndLink() throws IOException {
    Path card = model.resolve("encoder.card.json");
    String original = Files.readString(card);
    editCard(card, n -> n.put("weightsFile", "../../outside/encoder.pt"));
    refused("'weightsFile' climbs out");
    editCard(card, n -> n.put("weightsFile", outside.resolve("encoder.pt").toString()));
    refused("'weightsFile' names an absolute path");
    editCard(card, n -> n.put("weightsFile", "/etc/passwd"));
    refused("'weightsFile' names an absolute path");
    Files.writeString(card, original);
    Files.delete(model.resolve("encoder.pt"));
    Files.createSymbolicLink(model.resolve("encoder.pt"), outside.resolve("encoder.pt"));
    refused("'weightsFile' names a link out of the folder");
  }

  @Test
  void aCardLinkedFromOutsideIsRefused() throws IOException {
    Files.move(model.resolve("encoder.card.json"), outside.resolve("encoder.card.json"));
    Files.createSymbolicLink(model.resolve("encoder.card.json"), outside.resolve("encoder.card.json"));
    refused("link out of the folder");
  }

  @Test
  void headNamesThatLeaveTheFolderOrCarryHtmlAreRefused() throws IOException {
    Path card = model.resolve("encoder.card.json");
    editCard(card, n -> n.putArray("heads").add("../../outside/ten-class"));
    refused("field 'heads'");
    editCard(card, n -> n.putArray("heads").add("<img src=x onerror=alert(1)>"));
    refused("field 'heads'");
    editCard(card, n -> n.putArray("heads").add("ten-class"));
    Path head = model.resolve("ten-class.head.json");
    editCard(head, n -> n.put("name", "../../outside/ten-class"));
    refused("field 'name'");
    editCard(head, n -> n.put("name", "<b onmouseover=x>"));
    refused("field 'name'");
    editCard(head, n -> n.put("name", "held-out"));     // a plain name, but another file's arrays
    refused("not held-out.head.json");
  }

  @Test
  void headArraysLinkedOutAreRefused() throws IOException {
    Files.delete(model.resolve("ten-class.w.npy"));
    Files.createSymbolicLink(model.resolve("ten-class.w.npy"), outside.resolve("ten-class.w.npy"));
    refused("link out of the folder");
  }

  @Test
  void listedFilesOutsideTheFolderAreRefused() throws IOException {
    editCard(model.resolve("encoder.card.json"), n -> n.putObject("files").put("../outside/ten-class.w.npy", "0".repeat(64)));
    refused("field 'files' climbs out");
  }

  @Test
  void explainerWeightsOutsideItsFolderAreRefused() throws IOException {
    Files.copy(explainer.resolve("explainer.pt"), outside.resolve("explainer.pt"));
    editCard(explainer.resolve("explainer.card.json"), n -> n.put("weightsFile", "../../outside/explainer.pt"));
    refused("'weightsFile' climbs out");
    editCard(explainer.resolve("explainer.card.json"), n -> n.put("weightsFile", "explainer.pt"));
    Files.delete(explainer.resolve("explainer.pt"));
    Files.createSymbolicLink(explainer.resolve("explainer.pt"), outside.resolve("explainer.pt"));
    refused("link out of the folder");
  }

  @Test
  void namesAreChecked() {
    Path c = Path.of("card.json");
    assertThat(ModelFolder.name(c, "f", "ten-class")).isEqualTo("ten-class");
    for (String bad : new String[] {"..", "a/b", "a\\b", ".hidden", "", "a..b", "x\ny", "<i>", "a b"}) {
      assertThatThrownBy(() -> ModelFolder.name(c, "f", bad)).as(bad).isInstanceOf(ModelFileException.class).hasMessageContaining("field 'f'");
    }
    assertThatThrownBy(() -> ModelFolder.name(c, "f", "x\ny")).hasMessageContaining("\\u000a");
  }

  @Test
  void headArraysAreCheckedAgainstTheirCardAndTheirHashIsTheHeadsProvenance() throws Exception {
    String hash;
    try (Tve t = Tve.open(model, explainer)) {
      hash = t.model().headSha256("ten-class");
    }
    assertThat(hash).isEqualTo(JSON.readTree(model.resolve("ten-class.head.json").toFile()).path("weightsSha256").asText()).hasSize(64);
    // The head negated in place (what a retrained head in the same folder looks like): refused, naming the file.
    dev.tve.io.NpyArray w = dev.tve.io.Npy.read(model.resolve("ten-class.w.npy"));
    float[] v = w.toFloatArray();
    for (int i = 0; i < v.length; i++) v[i] = -v[i];
    dev.tve.io.Npy.write(model.resolve("ten-class.w.npy"), dev.tve.io.NpyArray.ofFloats(v, (int) w.dim(0), (int) w.dim(1)));
    assertThatThrownBy(() -> Tve.open(model, explainer).close()).isInstanceOf(ModelFileException.class)
        .hasMessageContaining("ten-class.w.npy").hasMessageContaining("does not match its head card's");
  }

  @Test
  void aCardFromBeforeHeadHashesLoadsWithItsHashComputedAndIsRehashedByCommand() throws Exception {
    String want;
    try (Tve t = Tve.open(model, explainer)) {
      want = t.model().headSha256("held-out");
    }
    editCard(model.resolve("held-out.head.json"), n -> {
      n.remove("files");
      n.remove("weightsSha256");
    });
    try (Tve t = Tve.open(model, explainer)) {
      assertThat(t.model().headSha256("held-out")).isEqualTo(want);    // computed from the arrays, unchecked
    }
    assertThat(Heads.rehash(model)).containsExactly("held-out");
    assertThat(JSON.readTree(model.resolve("held-out.head.json").toFile()).path("weightsSha256").asText()).isEqualTo(want);
    assertThat(Heads.rehash(model)).isEmpty();
  }
}
