package dev.tve.kernel;

/**
 * Maps from one projection call, [batch, k, grid, grid] row-major with row = y (oriented like the
 * image). {@link #raw()} is the signed map before smoothing and normalisation; {@link #map()} is
 * the post-processed one. Either is null when it was not requested.
 */
public final class ProjectionResult {
  private final int batch;
  private final int k;
  private final int grid;
  private final float[] raw;
  private final float[] map;
  private final String backend;

  ProjectionResult(int batch, int k, int grid, float[] raw, float[] map, String backend) {
    this.batch = batch;
    this.k = k;
    this.grid = grid;
    this.raw = raw;
    this.map = map;
    this.backend = backend;
  }

  public int batch() { return batch; }
  public int k() { return k; }
  public int grid() { return grid; }
  /** Raw signed maps [batch, k, grid, grid], or null. Not copied: the caller owns the result. */
  public float[] raw() { return raw; }
  /** Post-processed maps [batch, k, grid, grid], or null. Not copied: the caller owns the result. */
  public float[] map() { return map; }
  /** What ran, e.g. "cpu/avx512", "cuda", "java" (provenance for outputs). */
  public String backend() { return backend; }

  /** Raw value of image b, target t, patch (y, x). */
  public float raw(int b, int t, int y, int x) { return raw[index(b, t, y, x)]; }

  /** Post-processed value of image b, target t, patch (y, x). */
  public float map(int b, int t, int y, int x) { return map[index(b, t, y, x)]; }

  private int index(int b, int t, int y, int x) {
    return ((b * k + t) * grid + y) * grid + x;
  }
}
