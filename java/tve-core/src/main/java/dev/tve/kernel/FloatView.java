package dev.tve.kernel;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A read-only run of float32 values handed to a projection kernel: a Java array, a
 * {@link FloatBuffer} (direct buffers are zero-copy), a JavaCPP {@link FloatPointer}, or a
 * contiguous CPU float32 libtorch {@link Tensor} (zero-copy from its data pointer).
 *
 * <pre>{@code
 * FloatView ePos = FloatView.of(tensor);          // no copy
 * FloatView w = FloatView.of(new float[c * d]);   // copied once into native memory by native kernels
 * }</pre>
 *
 * <p>A view does not own its memory: the array, buffer, pointer or tensor must stay alive while a
 * kernel call that uses the view runs. Views are immutable and may be shared between threads.
 */
public final class FloatView {
  private final float[] array;
  private final FloatBuffer buffer;
  private final FloatPointer pointer;
  private final Tensor tensor;
  private final long size;

  private FloatView(float[] array, FloatBuffer buffer, FloatPointer pointer, Tensor tensor, long size) {
    this.array = array;
    this.buffer = buffer;
    this.pointer = pointer;
    this.tensor = tensor;
    this.size = size;
  }

  /** Wraps a Java array (native kernels copy it once per call). */
  public static FloatView of(float[] values) {
    Args.notNull(values, "values");
    return new FloatView(values, null, null, null, values.length);
  }

  /** Wraps the remaining elements of a buffer; a direct buffer in native order is zero-copy. */
  public static FloatView of(FloatBuffer values) {
    Args.notNull(values, "values");
    FloatBuffer slice = values.slice();
    return new FloatView(null, slice, null, null, slice.remaining());
  }

  /** Wraps {@code size} floats starting at a native pointer (zero-copy). */
  public static FloatView of(FloatPointer values, long size) {
    Args.notNull(values, "values");
    if (values.isNull()) throw new IllegalArgumentException("values: null native pointer");
    if (size < 0) throw new IllegalArgumentException("size: " + size + " < 0");
    return new FloatView(null, null, values, null, size);
  }

  /**
   * Wraps a libtorch tensor without copying. It must be a contiguous float32 tensor on the CPU
   * (device tensors are a later extension of the C ABI).
   */
  public static FloatView of(Tensor values) {
    Args.notNull(values, "values");
    // JavaCPP hands back enum values that are not interned: compare the code, not the instance.
    if (values.scalar_type().value != torch.ScalarType.Float.value) {
      throw new IllegalArgumentException("tensor: dtype " + values.scalar_type() + ", need float32");
    }
    if (!values.is_contiguous()) throw new IllegalArgumentException("tensor: not contiguous; call contiguous() first");
    if (!values.is_cpu()) throw new IllegalArgumentException("tensor: not on the CPU (device tensors are not served yet)");
    return new FloatView(null, null, null, values, values.numel());
  }

  /** Number of floats in the view. */
  public long size() {
    return size;
  }

  /** Value {@code i}, for the Java reference and for checks (slow path: one call per value). */
  public float get(long i) {
    if (array != null) return array[Math.toIntExact(i)];
    if (buffer != null) return buffer.get(Math.toIntExact(i));
    return nativePointer().get(i);
  }

  /** The wrapped array itself when array-backed, else a copy (for the Java reference). */
  float[] arrayOrCopy() {
    return array != null ? array : toArray();
  }

  /** All values as a new array (copies). */
  public float[] toArray() {
    float[] out = new float[Math.toIntExact(size)];
    if (array != null) return array.clone();
    if (buffer != null) {
      buffer.duplicate().get(out);
      return out;
    }
    nativePointer().get(out);
    return out;
  }

  /**
   * A native pointer to the values: the wrapped pointer or tensor data as is, a direct
   * native-order buffer's address, otherwise a new native copy (allocated in the caller's
   * {@link org.bytedeco.javacpp.PointerScope}, if any).
   */
  FloatPointer nativePointer() {
    if (pointer != null) return pointer;
    if (tensor != null) return tensor.data_ptr_float().capacity(size);
    if (buffer != null && buffer.isDirect() && buffer.order() == ByteOrder.nativeOrder()) {
      return new FloatPointer(buffer);
    }
    if (array != null) return new FloatPointer(array);
    return new FloatPointer(toArray());  // heap buffer or foreign order
  }

  /** True when {@link #nativePointer()} hands out the caller's memory without copying. */
  public boolean isZeroCopy() {
    return pointer != null || tensor != null
        || (buffer != null && buffer.isDirect() && buffer.order() == ByteOrder.nativeOrder());
  }
}
