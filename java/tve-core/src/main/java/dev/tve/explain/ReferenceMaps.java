package dev.tve.explain;

import java.util.SplittableRandom;

/**
 * The two reference floors every attribution method is compared with: a random map (seeded per
 * image) and patch intensity, the image's own mean brightness per patch. On dark-background scenes
 * brightness alone points at the object and scores well on black-filled deletion and on
 * insertion; it knows nothing of the model or the class.
 *
 * <pre>{@code
 * float[] r = ReferenceMaps.random(7, 49, seed, sceneIndex);
 * float[] b = ReferenceMaps.intensity(x, 0, 1, 56, 7, mean, std);
 * }</pre>
 */
public final class ReferenceMaps {
  private ReferenceMaps() {}

  /** A uniform random g x g map; the same (seed, key) always gives the same map. */
  public static float[] random(int grid, long seed, long key) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + key);
    float[] m = new float[grid * grid];
    for (int i = 0; i < m.length; i++) m[i] = (float) r.nextDouble();
    return m;
  }

  /**
   * Mean pixel value per patch in [0, 1] units, averaged over channels, of the normalised image at
   * {@code offset} of x ([C, S, S]); mean and std per channel undo the normalisation.
   */
  public static float[] intensity(float[] x, int offset, int channels, int size, int grid, float[] mean, float[] std) {
    if (size % grid != 0) throw new IllegalArgumentException("image side " + size + " is not a multiple of the grid " + grid);
    int cell = size / grid, plane = size * size;
    float[] m = new float[grid * grid];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < size; y++) {
        for (int xx = 0; xx < size; xx++) m[(y / cell) * grid + xx / cell] += x[offset + c * plane + y * size + xx] * std[c] + mean[c];
      }
    }
    for (int i = 0; i < m.length; i++) m[i] /= channels * cell * cell;
    return m;
  }
}
