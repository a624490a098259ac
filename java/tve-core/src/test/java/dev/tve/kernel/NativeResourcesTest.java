package dev.tve.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** Native memory and libraries: what a long-running service would notice. */
class NativeResourcesTest {

  @Test
  void oneOpenMpRuntimeIsSharedWithLibtorch() throws Exception {
    assertThat(NativeKernel.isAvailable()).isTrue();
    Loader.load(org.bytedeco.pytorch.global.torch.class);
    List<String> gomp = Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains("libgomp")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct()
        .collect(Collectors.toList());
    assertThat(gomp).hasSize(1);
    assertThat(gomp.get(0)).contains("pytorch");
  }

  /**
   * A memory probe, not a timing: 4,000 calls through every input kind that allocates (arrays are
   * copied into native memory per call; contrastive targets allocate a foil buffer); resident
   * memory after them stays within a few MB of resident memory after the first 500.
   */
  @Test
  void nativeMemoryStaysFlatOverManyCalls() {
    Random r = new Random(9);
    int B = 4, g = 32, D = 16, C = 10, n = B * g * g * D;  // outputs 32 KB each per call
    float[] ep = RandomCase.gaussian(r, n, 1f), en = RandomCase.gaussian(r, n, 1f);
    HeadWeights head = HeadWeights.of(RandomCase.gaussian(r, C * D, 0.2f), RandomCase.gaussian(r, C, 1f), C, D);
    ProjectionRequest req = ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B, head,
        Targets.contrastive(2, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, new int[] {9, -1, 9, -1, 9, -1, 9, -1}),
        ProjectionOptions.builder(g).optSmoothRadius(1).build()).build();
    NativeKernel kernel = NativeKernel.cpu(Isa.AUTO, 2);
    for (int i = 0; i < 500; i++) kernel.project(req);
    long trackedBefore = Pointer.totalBytes(), nativeBefore = nativeResident();
    for (int i = 0; i < 4000; i++) kernel.project(req);
    long trackedAfter = Pointer.totalBytes(), nativeAfter = nativeResident();
    // Each call copies 520 KB of arrays and writes 64 KB of maps natively: a leak adds >= 256 MB.
    assertThat(trackedAfter - trackedBefore).as("JavaCPP-tracked growth").isLessThanOrEqualTo(0L);
    assertThat(nativeAfter - nativeBefore).as("untracked native growth %d bytes", nativeAfter - nativeBefore)
        .isLessThan(32L << 20);
  }

  /** Resident memory minus what the JVM has committed for its heap and non-heap areas. */
  private static long nativeResident() {
    System.gc();
    java.lang.management.MemoryMXBean m = java.lang.management.ManagementFactory.getMemoryMXBean();
    return Pointer.physicalBytes() - m.getHeapMemoryUsage().getCommitted() - m.getNonHeapMemoryUsage().getCommitted();
  }
}
