package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  @Test
  void streamsClassSubfoldersInSortedClassOrder(@TempDir Path root) throws IOException {
    for (String c : new String[] {"zebra", "ant", "cat"}) Files.createDirectories(root.resolve(c));
    Files.writeString(root.resolve("ant/a1.png"), "x");
    Files.writeString(root.resolve("ant/a2.JPG"), "x");
    Files.writeString(root.resolve("ant/notes.txt"), "not an image");
    Files.writeString(root.resolve("zebra/z.webp"), "x");
    Files.writeString(root.resolve("readme.md"), "top-level file: not a class");
    ImageFolder folder = ImageFolder.open(root);
    assertThat(folder.classes()).containsExactly("ant", "cat", "zebra");
    List<ImageFolder.Entry> all = new ArrayList<>();
    folder.forEach(all::add);
    assertThat(all).extracting(ImageFolder.Entry::label).containsExactly(0, 0, 2);
    assertThat(all.stream().map(e -> e.path().getFileName().toString()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("a1.png", "a2.JPG", "z.webp");
    try (var s = folder.stream()) {
      assertThat(s.count()).isEqualTo(3);
    }
  }

  @Test
  void aFolderWithoutClassesIsAClearError(@TempDir Path root) {
    assertThatThrownBy(() -> ImageFolder.open(root)).isInstanceOf(ImageDataException.class).hasMessageContaining("no class subfolders");
    assertThatThrownBy(() -> ImageFolder.open(root.resolve("nope"))).isInstanceOf(ImageDataException.class).hasMessageContaining("not a folder");
  }
}
