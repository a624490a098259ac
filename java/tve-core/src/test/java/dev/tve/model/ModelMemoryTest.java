package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * A memory probe, not a timing: 2,000 batches of 4 scenes through the encoder, each batch in its
 * own pointer scope; resident native memory after them stays within a few MB of where it was after
 * the first 200.
 */
class ModelMemoryTest {
  @Test
  void nativeMemoryStaysFlatOverTwoThousandBatches() throws Exception {
    EncoderModuleTest.data();
    torch.manual_seed(5);
    VitEncoder vit = new VitEncoder(1, 56, 8, 32, 1, 4);
    vit.eval();
    float[] x = new float[4 * 56 * 56];
    long before = 0;
    for (int i = 0; i < 2000; i++) {
      if (i == 200) before = nativeResident();
      EncoderModuleTest.scenes.fill(i * 4L, 4, x, null);
      try (PointerScope scope = new PointerScope()) {
        Tensor t = torch.from_blob(new FloatPointer(x), new long[] {4, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float));
        vit.embed(t);
      }
    }
    long growth = nativeResident() - before;
    // Each batch allocates ~50 KB of input and ~1 MB of activations natively: a leak adds > 1 GB.
    assertThat(growth).as("untracked native growth %d bytes", growth).isLessThan(48L << 20);
  }

  static long nativeResident() {
    System.gc();
    MemoryMXBean m = ManagementFactory.getMemoryMXBean();
    return Pointer.physicalBytes() - m.getHeapMemoryUsage().getCommitted() - m.getNonHeapMemoryUsage().getCommitted();
  }
}
