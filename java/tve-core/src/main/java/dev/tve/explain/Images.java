package dev.tve.explain;

import dev.tve.image.NativeTensors;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.pytorch.Tensor;

/**
 * A batch handed to an {@link Explainer}: n images [n, C, S, S], preprocessed as the model expects,
 * and a key per image that seeds the image's random draws (RISE does not need one; KernelSHAP's
 * coalitions and the random map do). Keys make maps independent of batch size and composition: by
 * default a key is a hash of the image's own pixels; callers with stable identities (a scene index, a
 * file path's hash) pass their own.
 *
 * <p>The pixels live in a Java array or in a direct buffer (native memory, as a batch decoder fills
 * it): {@link #tensor()} hands a direct buffer to libtorch as it is, without a copy.
 *
 * <pre>{@code
 * Images batch = Images.of(x, n, 1, 56);                     // keys from the pixels
 * Images scenes = Images.of(x, n, 1, 56, sceneIndices);      // keys given
 * Images decoded = Images.of(directBuffer, n, 1, 56, keys);  // native memory: tensor() is zero-copy
 * }</pre>
 */
public final class Images {
  private final float[] array;      // null when the pixels are in buffer
  private final FloatBuffer buffer; // direct, native order, pixels from index 0; null when in array
  private final int n;
  private final int channels;
  private final int size;
  private final long[] keys;
  private volatile float[] copy;    // buffer's pixels as an array, made on the first x()

  /**
   * @param x the images, row-major [n, C, S, S]; not copied
   * @param n how many
   * @param channels C
   * @param size S
   * @param keys one seed key per image; not copied
   */
  public Images(float[] x, int n, int channels, int size, long[] keys) {
    this(x, null, n, channels, size, keys);
  }

  private Images(float[] array, FloatBuffer buffer, int n, int channels, int size, long[] keys) {
    if (n < 0 || channels < 1 || size < 1) throw new IllegalArgumentException("images: n " + n + ", channels " + channels + ", size " + size);
    long need = (long) n * channels * size * size;
    long have = array != null ? array.length : buffer.capacity();
    if (have < need) throw new IllegalArgumentException("images: " + have + " floats for " + n + " x " + channels + " x " + size + " x " + size);
    if (keys.length != n) throw new IllegalArgumentException("images: " + keys.length + " keys for " + n + " images");
    this.array = array;
    this.buffer = buffer;
    this.n = n;
    this.channels = channels;
    this.size = size;
    this.keys = keys;
  }

  /**
   * @param x images [n, C, S, S]
   * @param n how many
   * @param channels C
   * @param size S
   * @return the batch, each image keyed by a hash of its pixels
   */
  public static Images of(float[] x, int n, int channels, int size) {
    int f = channels * size * size;
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) keys[i] = contentKey(x, i * f, f);
    return new Images(x, n, channels, size, keys);
  }

  /**
   * @param x images [n, C, S, S]
   * @param n how many
   * @param channels C
   * @param size S
   * @param keys one seed key per image
   * @return the batch
   */
  public static Images of(float[] x, int n, int channels, int size, long[] keys) {
    return new Images(x, n, channels, size, keys.clone());
  }

  /**
   * A batch in native memory, not copied, each image keyed by a hash of its pixels (the keys
   * {@link #of(float[], int, int, int)} gives the same pixels).
   *
   * @param direct a direct buffer in native byte order holding [n, C, S, S] from index 0
   * @param n how many
   * @param channels C
   * @param size S
   * @return the batch
   */
  public static Images of(FloatBuffer direct, int n, int channels, int size) {
    int f = channels * size * size;
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) keys[i] = contentKey(direct, i * f, f);
    return of(direct, n, channels, size, keys);
  }

  /**
   * A batch in native memory, not copied: {@link #tensor()} is a view of it.
   *
   * @param direct a direct buffer in native byte order holding [n, C, S, S] from index 0 (its
   *     position is ignored); must stay unchanged while the batch is in use
   * @param n how many
   * @param channels C
   * @param size S
   * @param keys one seed key per image
   * @return the batch
   */
  public static Images of(FloatBuffer direct, int n, int channels, int size, long[] keys) {
    if (!direct.isDirect() || direct.order() != ByteOrder.nativeOrder()) {
      throw new IllegalArgumentException("images: the buffer must be direct and in native byte order");
    }
    return new Images(null, direct.duplicate().clear(), n, channels, size, keys.clone());
  }

  /** @return the images [n, C, S, S] as an array: the array itself, or (native batches) a copy made once */
  public float[] x() {
    if (array != null) return array;
    float[] c = copy;
    if (c == null) {
      c = new float[n * floats()];
      buffer.get(0, c);
      copy = c;
    }
    return c;
  }

  /** @return how many images */
  public int n() { return n; }
  /** @return C */
  public int channels() { return channels; }
  /** @return S */
  public int size() { return size; }
  /** @return one seed key per image (the batch's own array) */
  public long[] keys() { return keys; }

  /** @return floats per image, C * S * S */
  public int floats() {
    return channels * size * size;
  }

  /** @return whether {@link #tensor()} is a view of the pixels (native batches) rather than a copy */
  public boolean isZeroCopy() {
    return buffer != null;
  }

  /**
   * The batch as a CPU float32 tensor [n, C, S, S]: a view of a native batch's memory (which the
   * tensor keeps alive until libtorch frees it), or a copy of the array in memory the tensor owns.
   * Either way the tensor stays valid however long libtorch holds it, whatever Java still references.
   */
  public Tensor tensor() {
    long[] shape = {n, channels, size, size};
    return buffer != null ? NativeTensors.view(buffer, shape) : NativeTensors.copyOf(array, 0, shape);
  }

  /** FNV-1a over the float bits, mixed: equal pixels give equal keys, whatever batch they came in. */
  static long contentKey(float[] x, int at, int len) {
    return contentKey(FloatBuffer.wrap(x), at, len);
  }

  private static long contentKey(FloatBuffer x, int at, int len) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < len; i++) {
      h ^= Float.floatToIntBits(x.get(at + i));
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }
}
