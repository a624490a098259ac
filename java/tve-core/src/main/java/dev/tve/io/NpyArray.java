package dev.tve.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An n-dimensional array read from or written to a {@code .npy} file: its dtype ({@code <f4},
 * {@code <i4} or {@code <i8}), C-order shape, and little-endian data in a direct buffer (so float
 * data reaches native kernels without a copy).
 *
 * <pre>{@code
 * NpyArray e = Npy.read(Path.of("e_pos.npy"));
 * FloatBuffer values = e.floats();          // zero-copy view, shape e.shape()
 * }</pre>
 */
public final class NpyArray {
  /** The dtypes served. */
  public enum DType {
    FLOAT32("<f4", 4), INT32("<i4", 4), INT64("<i8", 8);

    final String descr;
    final int bytes;

    DType(String descr, int bytes) {
      this.descr = descr;
      this.bytes = bytes;
    }

    static DType ofDescr(String descr) {
      for (DType t : values()) if (t.descr.equals(descr)) return t;
      return null;
    }
  }

  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  NpyArray(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.data = data.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A float32 array of the given shape (values copied into a direct buffer). */
  public static NpyArray ofFloats(float[] values, long... shape) {
    checkCount(values.length, shape);
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new NpyArray(DType.FLOAT32, shape, b);
  }

  /** An int32 array of the given shape. */
  public static NpyArray ofInts(int[] values, long... shape) {
    checkCount(values.length, shape);
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return new NpyArray(DType.INT32, shape, b);
  }

  /** An int64 array of the given shape. */
  public static NpyArray ofLongs(long[] values, long... shape) {
    checkCount(values.length, shape);
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new NpyArray(DType.INT64, shape, b);
  }

  private static void checkCount(long n, long[] shape) {
    if (count(shape) != n) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count(shape) + " values, got " + n);
    }
  }

  static long count(long[] shape) {
    long n = 1;
    for (long s : shape) n = Math.multiplyExact(n, s);
    return n;
  }

  public DType dtype() { return dtype; }
  /** The C-order shape (a copy). */
  public long[] shape() { return shape.clone(); }
  public int ndim() { return shape.length; }
  public long dim(int i) { return shape[i]; }
  public long size() { return count(shape); }

  /** Raw little-endian bytes (a read-only duplicate positioned at 0). */
  public ByteBuffer bytes() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN).position(0);
  }

  /** The float32 values as a zero-copy view (native order on x86-64). */
  public FloatBuffer floats() {
    if (dtype != DType.FLOAT32) throw new IllegalStateException("dtype " + dtype.descr + ", not float32");
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asFloatBuffer();
  }

  /** The values as ints (int32 as is; int64 when every value fits in an int). */
  public int[] ints() {
    int n = Math.toIntExact(size());
    int[] out = new int[n];
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
    switch (dtype) {
      case INT32:
        b.asIntBuffer().get(out);
        return out;
      case INT64:
        for (int i = 0; i < n; i++) {
          long v = b.getLong(i * 8);
          if (v != (int) v) throw new IllegalArgumentException("int64 value " + v + " at index " + i + " does not fit an int");
          out[i] = (int) v;
        }
        return out;
      default:
        throw new IllegalStateException("dtype " + dtype.descr + ", not an integer type");
    }
  }

  /** The float32 values copied into an array. */
  public float[] toFloatArray() {
    float[] out = new float[Math.toIntExact(size())];
    floats().get(out);
    return out;
  }

  @Override
  public String toString() {
    return "NpyArray[" + dtype.descr + " " + Arrays.toString(shape) + "]";
  }
}
