package dev.tve.image;

/** An axis-aligned pixel box [x0, x1) x [y0, y1) on an image. */
public record Box(int x0, int y0, int x1, int y1) {
  public Box {
    if (x1 < x0 || y1 < y0) throw new IllegalArgumentException("box [" + x0 + ", " + x1 + ") x [" + y0 + ", " + y1 + ")");
  }

  public int width() { return x1 - x0; }
  public int height() { return y1 - y0; }
  public int area() { return width() * height(); }

  public boolean contains(double x, double y) {
    return x >= x0 && x < x1 && y >= y0 && y < y1;
  }

  /** Whether the centre of patch {@code patch} (row-major, g x g grid over an image of side {@code size}) lies inside. */
  public boolean containsPatchCentre(int patch, int grid, int size) {
    double cell = (double) size / grid;
    return contains((patch % grid + 0.5) * cell, (patch / grid + 0.5) * cell);
  }

  /** The fraction of the g x g patch centres inside: the pointing game's chance level on this box. */
  public double patchCentreFraction(int grid, int size) {
    int hits = 0;
    for (int p = 0; p < grid * grid; p++) hits += containsPatchCentre(p, grid, size) ? 1 : 0;
    return (double) hits / (grid * grid);
  }

  public boolean intersects(Box o) {
    return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1;
  }
}
