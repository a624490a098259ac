package dev.tve.metric;

import dev.tve.image.Canvases;
import dev.tve.model.ClassScorer;
import java.util.Arrays;
import java.util.List;

/**
 * Deletion and insertion curves on the patch grid (Petsiuk et al., RISE, 2018), one patch per
 * step: step k shows an image whose first k patches in the map's order come from the {@code end}
 * image and the rest from the {@code start} image; the curve is the model's probability of the
 * target class at steps 0..P. Deletion goes from the image to a canvas (black, zeros in normalised
 * space): a faithful map makes the probability fall fast, a low area under the curve. Insertion goes
 * from a blurred copy to the image: a faithful map makes it rise fast, a high area.
 *
 * <pre>{@code
 * PatchCurves curves = new PatchCurves(scorer, 1, 56, 7, 512);
 * int[] order = PatchCurves.order(map);
 * float[] y = curves.run(List.of(new PatchCurves.Job(image, Canvases.constant(image, black), order, target)))[0];
 * double deletionAuc = PatchCurves.auc(y);
 * }</pre>
 */
public final class PatchCurves {
  /** Deletion area: lower is better. */
  public static final Direction DELETION = Direction.LOWER_IS_BETTER;
  /** Insertion area: higher is better. */
  public static final Direction INSERTION = Direction.HIGHER_IS_BETTER;

  private final ClassScorer scorer;
  private final int channels, size, grid, chunk;

  /** One curve: images [C, S, S] at both ends, the patch order, the class to score. */
  public record Job(float[] start, float[] end, int[] order, int target) {}

  /**
   * @param chunk images per scorer call (bounds memory: chunk * C * S * S floats)
   */
  public PatchCurves(ClassScorer scorer, int channels, int size, int grid, int chunk) {
    if (size % grid != 0) throw new IllegalArgumentException("image side " + size + " is not a multiple of the grid " + grid);
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    this.scorer = scorer;
    this.channels = channels;
    this.size = size;
    this.grid = grid;
    this.chunk = chunk;
  }

  /** Patches from the highest map value to the lowest (ties: lower index first). */
  public static int[] order(float[] map) {
    Integer[] idx = new Integer[map.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> {
      int c = Float.compare(map[b], map[a]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  /** Normalised area under a curve of P + 1 points at x = 0, 1/P, .., 1 (trapezoid rule). */
  public static double auc(float[] curve) {
    int p = curve.length - 1;
    if (p < 1) throw new IllegalArgumentException("a curve needs at least 2 points");
    double s = 0;
    for (int k = 0; k < p; k++) s += (curve[k] + curve[k + 1]) / 2.0;
    return s / p;
  }

  /** The curves of all jobs, each P + 1 points; the scorer sees at most {@code chunk} images a call. */
  /**
   * The three curves every comparison draws, for each image and each of its maps: deletion to the
   * black canvas, deletion to the normalised-zero canvas, insertion from the image's blurred copy;
   * patches taken most-relevant first by each map, the target's probability tracked.
   *
   * @param x images [n, C, S, S]
   * @param n images
   * @param black the black canvas [C, S, S]
   * @param zero the normalised-zero canvas [C, S, S]
   * @param blurred each image's blurred copy
   * @param maps maps[i][k]: image i's k-th map
   * @param targets each image's target class
   * @return curves[(i * K + k) * 3 + c]: c = 0 black deletion, 1 zero deletion, 2 insertion
   */
  public float[][] deletionAndInsertion(float[] x, int n, float[] black, float[] zero, float[][] blurred, float[][][] maps, int[] targets) {
    int f = black.length;
    List<Job> jobs = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] img = java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f);
      for (float[] map : maps[i]) {
        int[] order = order(map);
        jobs.add(new Job(img, black, order, targets[i]));
        jobs.add(new Job(img, zero, order, targets[i]));
        jobs.add(new Job(blurred[i], img, order, targets[i]));
      }
    }
    return run(jobs);
  }

  public float[][] run(List<Job> jobs) {
    int p = grid * grid, steps = p + 1, f = channels * size * size;
    for (Job j : jobs) {
      if (j.start.length != f || j.end.length != f) throw new IllegalArgumentException("job images must have " + f + " floats");
      if (j.order.length != p) throw new IllegalArgumentException("job order must list " + p + " patches");
    }
    float[][] out = new float[jobs.size()][steps];
    long total = (long) jobs.size() * steps;
    float[] x = new float[(int) Math.min(chunk, total) * f];
    int[] targets = new int[(int) Math.min(chunk, total)];
    int cell = size / grid;
    for (long first = 0; first < total; first += chunk) {
      int k = (int) Math.min(chunk, total - first);
      for (int i = 0; i < k; i++) {
        long row = first + i;
        Job j = jobs.get((int) (row / steps));
        int step = (int) (row % steps);
        System.arraycopy(j.start, 0, x, i * f, f);
        for (int q = 0; q < step; q++) copyPatch(j.end, x, i * f, j.order[q], cell);
        targets[i] = j.target;
      }
      float[] prob = scorer.probabilities(x, k, targets);
      for (int i = 0; i < k; i++) {
        long row = first + i;
        out[(int) (row / steps)][(int) (row % steps)] = prob[i];
      }
    }
    return out;
  }

  private void copyPatch(float[] src, float[] dst, int offset, int patch, int cell) {
    int py = patch / grid, px = patch % grid, plane = size * size;
    for (int c = 0; c < channels; c++) {
      for (int y = py * cell; y < (py + 1) * cell; y++) {
        int at = c * plane + y * size + px * cell;
        System.arraycopy(src, at, dst, offset + at, cell);
      }
    }
  }
}
