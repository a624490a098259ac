package dev.tve.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tve.api.NativeLibraries;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A batch in native memory is the encoder's tensor itself; one in an array is copied. */
class ImagesTest {
  @BeforeAll
  static void load() {
    NativeLibraries.load();
  }

  private static FloatBuffer direct(float[] x) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(x).position(3);  // the position is ignored: pixels start at index 0
    return b;
  }

  @Test
  void aDirectBatchIsTheTensorsMemoryAndAnArrayBatchIsCopied() {
    float[] x = new float[2 * 3 * 4 * 4];
    for (int i = 0; i < x.length; i++) x[i] = i * 0.5f;
    FloatBuffer buf = direct(x);
    Images nat = Images.of(buf, 2, 3, 4);
    Images arr = Images.of(x.clone(), 2, 3, 4);
    assertThat(nat.isZeroCopy()).isTrue();
    assertThat(arr.isZeroCopy()).isFalse();
    assertThat(nat.keys()).containsExactly(arr.keys());  // same pixels, same seeds, wherever they live
    assertThat(nat.x()).containsExactly(x);
    try (PointerScope scope = new PointerScope()) {
      Tensor t = nat.tensor();
      assertThat(t.sizes().vec().get()).containsExactly(2, 3, 4, 4);
      buf.put(7, -1f);  // a write to the buffer shows in the tensor: one memory
      assertThat(t.data_ptr_float().get(7)).isEqualTo(-1f);
      Tensor c = arr.tensor();
      arr.x()[7] = -2f;  // the array's tensor is a copy
      assertThat(c.data_ptr_float().get(7)).isEqualTo(3.5f);
    }
  }

  @Test
  void heapOrForeignOrderBuffersAndShortOnesAreRefused() {
    assertThatThrownBy(() -> Images.of(FloatBuffer.allocate(16), 1, 1, 4)).hasMessageContaining("direct");
    FloatBuffer be = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN
        : ByteOrder.BIG_ENDIAN).asFloatBuffer();
    assertThatThrownBy(() -> Images.of(be, 1, 1, 4)).hasMessageContaining("native byte order");
    assertThatThrownBy(() -> Images.of(direct(new float[15]), 1, 1, 4, new long[] {1})).hasMessageContaining("15 floats");
  }
}
