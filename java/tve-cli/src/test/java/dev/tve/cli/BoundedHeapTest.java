package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A phone photo never ends a bounded-heap run: at -Xmx64m (README's setting for 100,000 files), 64
 * scenes plus a 4000 x 3000 and a 6000 x 6000 JPEG are all explained, in a process of their own.
 * Before, the first large photo ended the run with OutOfMemoryError in the decoder, every time.
 */
class BoundedHeapTest {
  static void photo(Path file, int w, int h) {
    try (PointerScope scope = new PointerScope()) {
      Mat m = new Mat(h, w, opencv_core.CV_8UC3);
      opencv_core.randu(m, new Mat(1, 1, opencv_core.CV_64F, new Scalar(0)), new Mat(1, 1, opencv_core.CV_64F, new Scalar(255)));
      assertThat(opencv_imgcodecs.imwrite(file.toString(), m)).isTrue();
    }
  }

  @Test
  void largePhotosAmongScenesAreExplainedAt64MegabytesOfHeap(@TempDir Path dir) throws Exception {
    dev.tve.api.NativeLibraries.load();
    Path root = Path.of("../..").toAbsolutePath().normalize();
    Path in = Files.createDirectories(dir.resolve("in"));
    for (int copy = 0; copy < 4; copy++) {
      for (int i = 0; i < 16; i++) Files.copy(root.resolve(String.format("samples/scene-%02d.png", i)), in.resolve(String.format("s%d-%02d.png", copy, i)));
    }
    photo(in.resolve("phone.jpg"), 4000, 3000);
    photo(in.resolve("large.jpg"), 6000, 6000);
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(java, "-Xmx64m", "-Dtve.home=" + root, "-cp", cp, "dev.tve.cli.TveCommand", "explain", in.toString(), "--out",
        dir.resolve("out").toString(), "--model", root.resolve("zoo/scene-vit").toString(), "--explainer", root.resolve("zoo/explainer").toString()).redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(dir.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isZero();
    assertThat(err).doesNotContain("OutOfMemoryError").doesNotContain("out of memory");
    List<JsonNode> lines = ExplainCommandTest.manifest(dir.resolve("out"));
    assertThat(lines).hasSize(66).allMatch(l -> l.path("status").asText().equals("done"));
  }
}
