package dev.tve.metric;

import dev.tve.model.ClassScorer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Faithfulness correlation (Bhatt et al., 2020; as in Quantus), on the patch grid: for each of
 * {@code subsets} random sets S of {@code take} patches, the drop f(x) - f(x with S from the
 * canvas) of the target's probability; a map's score is the Pearson correlation between the drops
 * and its sums over S. In [-1, 1], higher is better. The subsets and drops depend only on the image,
 * the canvas and the seed, so every map of an image is scored on the same ones: one set of
 * {@code subsets} forwards per image, however many maps.
 *
 * <pre>{@code
 * FaithfulnessCorrelation fc = new FaithfulnessCorrelation(scorer, 1, 56, 7, 100, 6, 7, 256);
 * FaithfulnessCorrelation.Drops d = fc.drops(List.of(new FaithfulnessCorrelation.Job(image, black, target, sceneIndex))).get(0);
 * double score = FaithfulnessCorrelation.score(map, d);
 * }</pre>
 */
public final class FaithfulnessCorrelation {
  public static final Direction DIRECTION = Direction.HIGHER_IS_BETTER;

  private final ClassScorer scorer;
  private final int channels, size, grid, subsets, take, chunk;
  private final long seed;

  /** One image: [C, S, S], the canvas removed patches take their pixels from, the class, a key for its subsets (e.g. the scene index). */
  public record Job(float[] image, float[] canvas, int target, long key) {}

  /** The subsets drawn for one image and the probability drop each caused. */
  public record Drops(boolean[][] subsets, double[] drops) {}

  /**
   * @param take patches per subset (about 12 % of the grid: 6 of 49)
   * @param chunk images per scorer call
   */
  public FaithfulnessCorrelation(ClassScorer scorer, int channels, int size, int grid, int subsets, int take, long seed, int chunk) {
    if (size % grid != 0) throw new IllegalArgumentException("image side " + size + " is not a multiple of the grid " + grid);
    if (subsets < 2 || take < 1 || take >= grid * grid || chunk < 1) throw new IllegalArgumentException("subsets >= 2, 1 <= take < P, chunk >= 1");
    this.scorer = scorer;
    this.channels = channels;
    this.size = size;
    this.grid = grid;
    this.subsets = subsets;
    this.take = take;
    this.seed = seed;
    this.chunk = chunk;
  }

  /** About 12 % of P patches, at least one. */
  public static int defaultTake(int patches) {
    return Math.max(1, (int) Math.round(0.12 * patches));
  }

  /** The subsets for key: {@code count} sets of {@code take} distinct patches, the same for the same (seed, key). */
  public static boolean[][] subsets(int patches, int count, int take, long seed, long key) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + key);
    boolean[][] s = new boolean[count][patches];
    int[] idx = new int[patches];
    for (int k = 0; k < count; k++) {
      for (int i = 0; i < patches; i++) idx[i] = i;
      for (int i = 0; i < take; i++) {
        int j = i + r.nextInt(patches - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        s[k][idx[i]] = true;
      }
    }
    return s;
  }

  /** Scores f(x) and the perturbed copies of every job (1 + subsets forwards each). */
  public List<Drops> drops(List<Job> jobs) {
    int f = channels * size * size, per = subsets + 1, p = grid * grid, cell = size / grid, plane = size * size;
    long total = (long) jobs.size() * per;
    boolean[][][] sets = new boolean[jobs.size()][][];
    for (int j = 0; j < jobs.size(); j++) sets[j] = subsets(p, subsets, take, seed, jobs.get(j).key());
    float[] prob = new float[(int) total];
    float[] x = new float[(int) Math.min(chunk, total) * f];
    int[] targets = new int[(int) Math.min(chunk, total)];
    for (long first = 0; first < total; first += chunk) {
      int k = (int) Math.min(chunk, total - first);
      for (int i = 0; i < k; i++) {
        int j = (int) ((first + i) / per), s = (int) ((first + i) % per);
        Job job = jobs.get(j);
        if (job.image().length != f || job.canvas().length != f) throw new IllegalArgumentException("job images must have " + f + " floats");
        System.arraycopy(job.image(), 0, x, i * f, f);
        if (s > 0) {
          boolean[] set = sets[j][s - 1];
          for (int q = 0; q < p; q++) {
            if (!set[q]) continue;
            int py = q / grid, px = q % grid;
            for (int c = 0; c < channels; c++) {
              for (int y = py * cell; y < (py + 1) * cell; y++) {
                int at = c * plane + y * size + px * cell;
                System.arraycopy(job.canvas(), at, x, i * f + at, cell);
              }
            }
          }
        }
        targets[i] = job.target();
      }
      float[] out = scorer.probabilities(x, k, targets);
      System.arraycopy(out, 0, prob, (int) first, k);
    }
    List<Drops> result = new java.util.ArrayList<>();
    for (int j = 0; j < jobs.size(); j++) {
      double[] d = new double[subsets];
      for (int s = 0; s < subsets; s++) d[s] = prob[j * per] - prob[j * per + 1 + s];
      result.add(new Drops(sets[j], d));
    }
    return result;
  }

  /** Pearson correlation between the map's sum over each subset and that subset's drop. */
  public static double score(float[] map, Drops d) {
    double[] sums = new double[d.subsets().length];
    for (int s = 0; s < sums.length; s++) {
      boolean[] set = d.subsets()[s];
      if (set.length != map.length) throw new IllegalArgumentException("map of " + map.length + " values for subsets of " + set.length + " patches");
      for (int q = 0; q < map.length; q++) if (set[q]) sums[s] += map[q];
    }
    return Pearson.of(sums, d.drops());
  }
}
