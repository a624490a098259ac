package dev.tve.image;

import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.PointerConsumer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch tensors whose memory is owned for as long as libtorch uses it, whatever Java still
 * references. {@code torch.from_blob(new FloatPointer(x), ...)} does not own its memory: the pointer
 * (or the direct buffer behind it) is Java's, and once nothing in Java references it the garbage
 * collector may free it while libtorch still reads it (wrong maps, NaN). Here:
 * <ul>
 *   <li>{@link #copyOf} copies Java floats into memory libtorch allocated: the tensor owns it.</li>
 *   <li>{@link #view} shares a direct buffer without a copy and holds the buffer strongly until
 *       libtorch frees the tensor's storage (its deleter releases the hold), so views, reshapes and
 *       tensors libtorch keeps internally all stay valid.</li>
 * </ul>
 *
 * <pre>{@code
 * Tensor owned = NativeTensors.copyOf(x, 0, n, 1, 56, 56);     // x is not read again
 * Tensor shared = NativeTensors.view(direct, n, 1, 56, 56);     // zero-copy; direct stays alive with it
 * }</pre>
 *
 * Thread-safe.
 */
public final class NativeTensors {
  // Buffers libtorch views, by address, with how many storages view each; a deleter call releases one.
  private static final ConcurrentHashMap<Long, Held> HELD = new ConcurrentHashMap<>();

  private record Held(Buffer buffer, int storages) {}

  // One deleter for every view, never freed: retained so that no PointerScope open at class
  // initialisation can deallocate it.
  private static final PointerConsumer RELEASE = new PointerConsumer() {
    @Override
    public void call(Pointer data) {
      HELD.computeIfPresent(data.address(), (k, h) -> h.storages() == 1 ? null : new Held(h.buffer(), h.storages() - 1));
    }
  }.retainReference();

  private NativeTensors() {}

  /**
   * A float32 CPU tensor holding a copy of {@code shape}'s product of floats of {@code x} from {@code offset}.
   *
   * @param x the floats
   * @param offset where they start
   * @param shape the tensor's shape
   * @return a tensor that owns its memory
   */
  public static Tensor copyOf(float[] x, int offset, long... shape) {
    long n = count(shape);
    if (offset < 0 || offset + n > x.length) throw new IllegalArgumentException(x.length + " floats; " + n + " wanted from " + offset);
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
    if (n > 0) t.data_ptr_float().put(x, offset, (int) n);
    return t;
  }

  /**
   * An int64 CPU tensor holding a copy of {@code x} (labels, row indices).
   *
   * @param x the values
   * @param shape the tensor's shape (its product: x's length)
   * @return a tensor that owns its memory
   */
  public static Tensor copyOf(long[] x, long... shape) {
    if (count(shape) != x.length) throw new IllegalArgumentException(x.length + " values for a tensor of " + count(shape));
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
    if (x.length > 0) t.data_ptr_long().put(x);
    return t;
  }

  /**
   * A float64 CPU tensor holding a copy of {@code x}.
   *
   * @param x the values
   * @param shape the tensor's shape (its product: x's length)
   * @return a tensor that owns its memory
   */
  public static Tensor copyOf(double[] x, long... shape) {
    if (count(shape) != x.length) throw new IllegalArgumentException(x.length + " values for a tensor of " + count(shape));
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Double), new MemoryFormatOptional());
    if (x.length > 0) t.data_ptr_double().put(x);
    return t;
  }

  /**
   * A float32 CPU tensor over a direct buffer's memory from index 0 (its position is ignored), without
   * a copy; the buffer is kept alive until libtorch frees the tensor's storage. Writes to either show in both.
   *
   * @param direct a direct buffer in native byte order holding at least the shape's product of floats
   * @param shape the tensor's shape
   * @return the view
   */
  public static Tensor view(FloatBuffer direct, long... shape) {
    if (!direct.isDirect() || direct.order() != ByteOrder.nativeOrder()) {
      throw new IllegalArgumentException("the buffer must be direct and in native byte order");
    }
    long n = count(shape);
    if (n > direct.capacity()) throw new IllegalArgumentException(direct.capacity() + " floats for a tensor of " + n);
    FloatBuffer whole = direct.duplicate().clear();
    FloatPointer p = new FloatPointer(whole);
    // The hold is taken before libtorch may call the deleter (when from_blob fails, it frees nothing of ours).
    HELD.merge(p.address(), new Held(whole, 1), (a, b) -> new Held(a.buffer(), a.storages() + 1));
    try {
      return torch.from_blob(p, shape, RELEASE, new TensorOptions(torch.ScalarType.Float));
    } catch (RuntimeException | Error e) {
      RELEASE.call(p);
      throw e;
    }
  }

  /** @return buffers libtorch views now (for tests: 0 once every view's storage is freed) */
  public static int heldBuffers() {
    return HELD.values().stream().mapToInt(Held::storages).sum();
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) throw new IllegalArgumentException("negative size in shape");
      n = Math.multiplyExact(n, s);
    }
    return n;
  }
}
