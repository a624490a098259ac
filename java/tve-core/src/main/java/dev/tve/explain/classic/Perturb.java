package dev.tve.explain.classic;

/** Shared pixel plumbing: which pixels belong to which patch, and mixing an image with a fill. */
final class Perturb {
  private Perturb() {}

  static void check(int channels, int size, int grid, float[] fill) {
    if (size % grid != 0) throw new IllegalArgumentException("image side " + size + " is not a multiple of the grid " + grid);
    if (fill.length != channels * size * size) throw new IllegalArgumentException("fill must be one image: " + channels * size * size + " floats");
  }

  /**
   * Writes image {@code src} of x into {@code dst} at {@code at}, patches with keep[p] == 0 taken
   * from fill instead; keep is the g x g coalition.
   */
  static void patches(float[] x, int src, float[] fill, boolean[] keep, int channels, int size, int grid, float[] dst, int at) {
    int cell = size / grid, plane = size * size;
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < size; y++) {
        int row = (y / cell) * grid;
        for (int xx = 0; xx < size; xx++) {
          int q = c * plane + y * size + xx;
          dst[at + q] = keep[row + xx / cell] ? x[src + q] : fill[q];
        }
      }
    }
  }
}
