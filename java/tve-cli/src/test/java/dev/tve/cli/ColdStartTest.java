package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four tve processes started at once on an empty JavaCPP cache: each unpacks the native libraries
 * (about 470 MB) unless another holds the cache lock. Before the lock one of several such starts
 * crashed with SIGBUS in the dynamic loader.
 */
class ColdStartTest {
  @Test
  void fourProcessesStartedTogetherOnAnEmptyCacheAllSucceed(@TempDir Path dir) throws Exception {
    Path root = Path.of("../..").toAbsolutePath().normalize();
    Path cache = dir.resolve("javacpp-cache");
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ps.add(new ProcessBuilder(java, "-Dorg.bytedeco.javacpp.cachedir=" + cache, "-Dtve.home=" + root, "-cp", cp, "dev.tve.cli.TveCommand",
          "predict", root.resolve("samples/scene-00.png").toString(), "--model", root.resolve("zoo/scene-vit").toString())
          .redirectOutput(dir.resolve("out" + i + ".txt").toFile()).redirectError(dir.resolve("err" + i + ".txt").toFile()).start());
    }
    for (int i = 0; i < 4; i++) {
      Process p = ps.get(i);
      assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("process %d finished", i).isTrue();
      String err = Files.readString(dir.resolve("err" + i + ".txt"));
      assertThat(p.exitValue()).as("process %d: %s", i, err).isEqualTo(0);
      assertThat(Files.readString(dir.resolve("out" + i + ".txt"))).contains("\"status\":\"done\"");
    }
    assertThat(cache.resolve(dev.tve.api.NativeLibraries.LOCK)).exists();
  }
}
