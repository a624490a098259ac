package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.runtime.NativeRuntimeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's stderr holds the CLI's own lines only: before, OpenCV's "[ WARN:0@0.1] global
 * grfmt_png.cpp ..." and "[ERROR:0@0.1] ..." lines for a truncated or malformed PNG, SLF4J's INFO
 * lines, and libtorch's "[W... NNPACK.cpp:56] Could not initialize NNPACK!" on CPUs NNPACK does not
 * support came between them. A fresh process, since OpenCV reads its log level when it loads. The
 * libtorch line is injected through libtorch's own logger ({@link Main}), since a developer's CPU may
 * support NNPACK; the JVM's "Picked up JAVA_TOOL_OPTIONS" banner is the JVM's, not a library's.
 */
class QuietStderrTest {
  /** The CLI, after one warning through libtorch's own logger (as NNPACK issues it). */
  public static final class Main {
    public static void main(String[] args) {
      dev.tve.api.NativeLibraries.load();
      if (NativeRuntimeLibrary.tve_torch_log_test_warning("injected_by_test.cpp", 7) != 1) {
        System.err.println("tve explain: the test hook found no libtorch logger");
      }
      TveCommand.main(args);
    }
  }

  static List<String> stderr(Path dir, Path in, String name, Map<String, String> env, int code) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path root = Path.of("../..").toAbsolutePath().normalize();
    ProcessBuilder b = new ProcessBuilder(java, "-Dtve.home=" + root, "-cp", cp, Main.class.getName(), "explain", in.toString(), "--out",
        dir.resolve(name).toString()).redirectOutput(dir.resolve(name + ".out.txt").toFile()).redirectError(dir.resolve(name + ".err.txt").toFile());
    b.environment().putAll(env);
    Process p = b.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    List<String> err = Files.readAllLines(dir.resolve(name + ".err.txt"));
    assertThat(p.exitValue()).as(String.join("\n", err)).isEqualTo(code);
    return err;
  }

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
    List<String> err = stderr(dir, in, "quiet", Map.of("JAVA_TOOL_OPTIONS", "-Dtve.quiet.test=1"), 1);
    assertThat(err).as("stderr").allMatch(l -> l.startsWith("tve explain: ") || l.startsWith("explain ") || l.startsWith("Picked up "));
    assertThat(err).filteredOn(l -> l.startsWith("tve explain: failed")).hasSize(2);
    assertThat(err).as("the JVM's banner came (the case this test tolerates)").anyMatch(l -> l.startsWith("Picked up JAVA_TOOL_OPTIONS"));

    // Asked for, libtorch's warnings come through: the hook really goes through libtorch's logger.
    List<String> loud = stderr(dir, in, "loud", Map.of("TVE_TORCH_LOG", "warning"), 1);
    assertThat(loud).anyMatch(l -> l.startsWith("[W") && l.contains("injected_by_test.cpp:7]"));
  }
}
