package dev.tve.explain;

/**
 * The square masks of TVE's pre-training objective. A centre patch c of a g x g grid is at row
 * {@code c / g}, column {@code c % g} (row-major, rows top to bottom: the orientation the maps are
 * drawn in). The window keeps the patches within Chebyshev distance r of the centre, clipped at the
 * borders, and is upsampled to pixels by nearest neighbour (each patch is a p x p block).
 *
 * <pre>{@code
 * float[] keep = Masks.pixels(7, 56, 24, 1);    // the 3 x 3 patches around patch 24, as 56 x 56 0/1
 * }</pre>
 */
public final class Masks {
  private Masks() {}

  /** The window on the grid: 1 inside, 0 outside, [g * g]. */
  public static float[] grid(int grid, int centre, int radius) {
    check(grid, centre, radius);
    float[] m = new float[grid * grid];
    int cr = centre / grid, cc = centre % grid;
    for (int r = Math.max(0, cr - radius); r <= Math.min(grid - 1, cr + radius); r++) {
      for (int c = Math.max(0, cc - radius); c <= Math.min(grid - 1, cc + radius); c++) m[r * grid + c] = 1;
    }
    return m;
  }

  /** The window upsampled to an image of side {@code size} (a multiple of g): [size * size]. */
  public static float[] pixels(int grid, int size, int centre, int radius) {
    if (size % grid != 0) throw new IllegalArgumentException("image size " + size + " is not a multiple of the grid " + grid);
    float[] g = grid(grid, centre, radius), m = new float[size * size];
    int p = size / grid;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) m[y * size + x] = g[(y / p) * grid + x / p];
    }
    return m;
  }

  /** Fraction of the grid a window covers away from the borders: (2r + 1)^2 / g^2. */
  public static double coverage(int grid, int radius) {
    return Math.min(1.0, (2.0 * radius + 1) * (2.0 * radius + 1) / ((double) grid * grid));
  }

  private static void check(int grid, int centre, int radius) {
    if (grid < 1) throw new IllegalArgumentException("grid: " + grid);
    if (centre < 0 || centre >= grid * grid) throw new IllegalArgumentException("centre " + centre + " not in [0, " + grid * grid + ")");
    if (radius < 0) throw new IllegalArgumentException("radius: " + radius);
  }
}
