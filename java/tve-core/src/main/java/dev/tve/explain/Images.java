package dev.tve.explain;

/**
 * A batch handed to an {@link Explainer}: n images [n, C, S, S], preprocessed as the model expects,
 * and a key per image that seeds the image's random draws (RISE does not need one; KernelSHAP's
 * coalitions and the random map do). Keys make maps independent of batch size and composition: by
 * default a key is a hash of the image's own pixels; callers with stable identities (a scene index, a
 * file path's hash) pass their own.
 *
 * <pre>{@code
 * Images batch = Images.of(x, n, 1, 56);                 // keys from the pixels
 * Images scenes = Images.of(x, n, 1, 56, sceneIndices);  // keys given
 * }</pre>
 *
 * @param x the images, row-major [n, C, S, S]; not copied
 * @param n how many
 * @param channels C
 * @param size S
 * @param keys one seed key per image
 */
public record Images(float[] x, int n, int channels, int size, long[] keys) {

  /** Checks the shapes. */
  public Images {
    if (n < 0 || channels < 1 || size < 1) throw new IllegalArgumentException("images: n " + n + ", channels " + channels + ", size " + size);
    if (x.length < (long) n * channels * size * size) {
      throw new IllegalArgumentException("images: " + x.length + " floats for " + n + " x " + channels + " x " + size + " x " + size);
    }
    if (keys.length != n) throw new IllegalArgumentException("images: " + keys.length + " keys for " + n + " images");
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

  /** @return floats per image, C * S * S */
  public int floats() {
    return channels * size * size;
  }

  /** FNV-1a over the float bits, mixed: equal pixels give equal keys, whatever batch they came in. */
  static long contentKey(float[] x, int at, int len) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < len; i++) {
      h ^= Float.floatToIntBits(x[at + i]);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    return h ^ (h >>> 33);
  }
}
