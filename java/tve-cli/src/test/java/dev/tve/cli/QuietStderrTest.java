package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's stderr holds the CLI's own lines only: before, OpenCV's "[ WARN:0@0.1] global
 * grfmt_png.cpp ..." and "[ERROR:0@0.1] ..." lines for a truncated or malformed PNG, and SLF4J's INFO
 * lines, came between them. A fresh process, since OpenCV reads its log level when it loads.
 */
class QuietStderrTest {
  @Test
  void libraryLogLinesStayOffTheClisStderr(@TempDir Path dir) throws Exception {
    Path root = Path.of("../..").toAbsolutePath().normalize();
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    byte[] png = Files.readAllBytes(root.resolve("samples/scene-00.png"));
    Files.write(in.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
    byte[] header = java.util.Arrays.copyOf(png, 8);
    Files.write(in.resolve("header-only.png"), header);
    Files.copy(root.resolve("samples/scene-01.png"), in.resolve("ok.png"));
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(java, "-Dtve.home=" + root, "-cp", cp, "dev.tve.cli.TveCommand", "explain", in.toString(), "--out",
        dir.resolve("out").toString()).redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    List<String> err = Files.readAllLines(dir.resolve("err.txt"));
    assertThat(p.exitValue()).as(String.join("\n", err)).isEqualTo(1);
    assertThat(err).as("stderr").allMatch(l -> l.startsWith("tve explain: ") || l.startsWith("explain "));
    assertThat(err).filteredOn(l -> l.startsWith("tve explain: failed")).hasSize(2);
  }
}
