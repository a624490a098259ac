package dev.tve.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.image.ImageDecoder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * A memory probe, not a timing: 10,000 explain calls through one {@link Tve} (TVE on one sample,
 * alternating with encoded bytes every tenth call); resident native memory after them stays within a
 * few MB of where it was after the first 1,000. Each call allocates ~0.5 MB natively (input, E+ and E-,
 * activations): a leak would add gigabytes.
 */
class TveSoakTest {
  @Test
  void nativeMemoryStaysFlatOverTenThousandCalls() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("zoo/scene-vit"))) root = root.getParent();
    Path file = root.resolve("samples/scene-07.png");
    byte[] bytes = Files.readAllBytes(file);
    try (Tve tve = Tve.openDefault()) {
      float[] x = tve.preprocessing().apply(ImageDecoder.create().decode(file));
      ExplainOptions o = ExplainOptions.defaults();
      long before = 0;
      float[] first = null;
      for (int i = 0; i < 10_000; i++) {
        if (i == 1_000) before = nativeResident();
        float[] raw = i % 10 == 9 ? tve.explain("scene-07.png", bytes, o).attributions().get(0).raw() : tve.explain(x, 1, o).get(0).raw();
        if (first == null) first = raw;
        else if (i % 1000 == 0) assertThat(raw).containsExactly(first);
      }
      long growth = nativeResident() - before;
      assertThat(growth).as("untracked native growth %d bytes over 9,000 calls", growth).isLessThan(32L << 20);
    }
  }

  static long nativeResident() {
    System.gc();
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    return Pointer.physicalBytes() - m.getHeapMemoryUsage().getCommitted() - m.getNonHeapMemoryUsage().getCommitted();
  }
}
