package dev.tve.image;

/**
 * The images that perturbation metrics move towards or start from, in the model's normalised
 * space: a constant (black is (0 - mean) / std; zero is the explainer's own pre-training fill) and
 * a Gaussian blur (blurring commutes with the per-channel affine normalisation, so blurring the
 * normalised image equals normalising the blurred one).
 */
public final class Canvases {
  private Canvases() {}

  /** An image of {@code channels} planes of side {@code size}, each filled with its value. */
  public static float[] constant(int channels, int size, float[] perChannel) {
    float[] o = new float[channels * size * size];
    for (int c = 0; c < channels; c++) java.util.Arrays.fill(o, c * size * size, (c + 1) * size * size, perChannel[c]);
    return o;
  }

  /** Black pixels after normalisation: (0 - mean[c]) / std[c]. */
  public static float[] black(int channels, int size, float[] mean, float[] std) {
    float[] v = new float[channels];
    for (int c = 0; c < channels; c++) v[c] = -mean[c] / std[c];
    return constant(channels, size, v);
  }

  /**
   * A separable Gaussian blur of each plane, reflected at the border (OpenCV's BORDER_REFLECT_101),
   * kernel radius ceil(3 sigma). sigma 0 returns a copy.
   */
  public static float[] blur(float[] image, int channels, int size, double sigma) {
    if (sigma < 0) throw new IllegalArgumentException("sigma: " + sigma);
    if (sigma == 0) return image.clone();
    int r = (int) Math.ceil(3 * sigma);
    double[] k = new double[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
    for (int i = 0; i < k.length; i++) k[i] /= sum;
    float[] out = new float[image.length];
    double[] tmp = new double[size * size];
    int plane = size * size;
    for (int c = 0; c < channels; c++) {
      int o = c * plane;
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          double s = 0;
          for (int i = -r; i <= r; i++) s += k[i + r] * image[o + y * size + reflect(x + i, size)];
          tmp[y * size + x] = s;
        }
      }
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          double s = 0;
          for (int i = -r; i <= r; i++) s += k[i + r] * tmp[reflect(y + i, size) * size + x];
          out[o + y * size + x] = (float) s;
        }
      }
    }
    return out;
  }

  /** Index reflection without repeating the edge (…, 2, 1, 0, 1, 2, …). */
  static int reflect(int i, int n) {
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i = Math.floorMod(i, period);
    return i < n ? i : period - i;
  }
}
