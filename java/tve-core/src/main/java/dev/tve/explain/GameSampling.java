package dev.tve.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Coalition sampling for the patch game ({@link PatchGame}): antithetic permutation segments (each
 * player's marginal contribution along a random order and along its reverse, whose coalitions are the
 * complements), Shapley-kernel coalitions and uniform (Banzhaf) coalitions, each with its complement.
 * Pre-training draws its targets here, and so does the reference estimator of the evaluation, so the
 * two estimate the same values the same way.
 *
 * <pre>{@code
 * GameSampling.Segment s = GameSampling.segment(49, 15, random);      // a random order, 15 consecutive places of it
 * float[] v = game.values(x, imageOfEach, s.coalitions());
 * s.addTargets(v, 0, full, empty, targets, counts);                   // marginal contributions of its 15 players
 * }</pre>
 */
public final class GameSampling {
  private GameSampling() {}

  /** @return a uniformly random order of {@code p} players */
  public static int[] permutation(int p, SplittableRandom r) {
    int[] perm = new int[p];
    for (int i = 0; i < p; i++) perm[i] = i;
    for (int i = p - 1; i > 0; i--) {
      int j = r.nextInt(i + 1), t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }

  /**
   * A segment of {@code length} consecutive places of a random order, its start uniform in
   * [-(length - 1), p - 1] and clipped to the order, so that every place is covered with the same
   * probability length / (p + length - 1): the players it gives targets are a uniform draw of places,
   * and each target's coalition (the players before it) has the Shapley weighting.
   *
   * @param p players
   * @param length places per segment, 1..p (p: the whole order)
   * @param r the random source
   * @return the segment
   */
  public static Segment segment(int p, int length, SplittableRandom r) {
    if (length < 1 || length > p) throw new IllegalArgumentException("segment length " + length + " for " + p + " players");
    int[] perm = permutation(p, r);
    int start = length == p ? 0 : r.nextInt(p + length - 1) - (length - 1);
    return new Segment(perm, Math.max(0, start), Math.min(p, start + length));
  }

  /**
   * Places [lo, hi) of an order: the prefixes of lengths lo..hi and their complements (the same places of
   * the reversed order) are the coalitions to value; the empty and the full coalition are not among them
   * (their values are known: e(x_empty) and e(x)).
   */
  public static final class Segment {
    private final int[] perm;
    private final int lo, hi;
    private final List<boolean[]> coalitions = new ArrayList<>();
    private final int[] prefixAt, complementAt;    // by prefix length m in [lo, hi]: index into coalitions, or -1 (empty / full)

    /**
     * @param perm the order
     * @param lo first place
     * @param hi one past the last place
     */
    public Segment(int[] perm, int lo, int hi) {
      int p = perm.length;
      if (lo < 0 || hi > p || lo >= hi) throw new IllegalArgumentException("places [" + lo + ", " + hi + ") of " + p);
      this.perm = perm.clone();
      this.lo = lo;
      this.hi = hi;
      prefixAt = new int[hi - lo + 1];
      complementAt = new int[hi - lo + 1];
      for (int m = lo; m <= hi; m++) {
        if (m == 0 || m == p) {
          prefixAt[m - lo] = -1;
          complementAt[m - lo] = -1;
          continue;
        }
        boolean[] pre = new boolean[p], comp = new boolean[p];
        for (int i = 0; i < p; i++) {
          pre[this.perm[i]] = i < m;
          comp[this.perm[i]] = i >= m;
        }
        prefixAt[m - lo] = coalitions.size();
        coalitions.add(pre);
        complementAt[m - lo] = coalitions.size();
        coalitions.add(comp);
      }
    }

    /** @return the coalitions to value, in order */
    public List<boolean[]> coalitions() { return coalitions; }
    /** @return the players this segment gives targets, in order of place */
    public int[] players() { return java.util.Arrays.copyOfRange(perm, lo, hi); }

    /**
     * Adds each of the segment's players' antithetic target, the mean of its marginal contribution along
     * the order and along the reverse, to {@code sums} (row = player), and 1 to its count.
     *
     * @param values the coalitions' values, [*, D], this segment's starting at row {@code first}
     * @param first the row of this segment's first coalition in {@code values}
     * @param full e(x) [D]
     * @param empty e(x_empty) [D]
     * @param sums [players, D], added to
     * @param counts [players], added to (may be null)
     */
    public void addTargets(float[] values, int first, float[] full, float[] empty, double[] sums, int[] counts) {
      int d = full.length, p = perm.length;
      for (int m = lo; m < hi; m++) {
        int player = perm[m];
        for (int k = 0; k < d; k++) {
          // Along the order: v(pre m+1) - v(pre m); along its reverse: v(N - pre m) - v(N - pre m+1).
          double a = value(m + 1, true, values, first, full, empty, k, p) - value(m, true, values, first, full, empty, k, p);
          double b = value(m, false, values, first, full, empty, k, p) - value(m + 1, false, values, first, full, empty, k, p);
          sums[player * d + k] += 0.5 * (a + b);
        }
        if (counts != null) counts[player]++;
      }
    }

    private double value(int m, boolean prefix, float[] values, int first, float[] full, float[] empty, int k, int p) {
      int d = full.length;
      int at = (prefix ? prefixAt : complementAt)[m - lo];
      if (at >= 0) return values[(first + at) * d + k];
      boolean isFull = prefix ? m == p : m == 0;
      return isFull ? full[k] : empty[k];
    }
  }

  /**
   * A coalition drawn with the Shapley kernel's weighting: a size k in 1..p-1 with probability
   * proportional to (p - 1) / (k (p - k)), then a uniform subset of that size. Paired with its complement,
   * the weighted least-squares fit of these coalitions' values is the Shapley value.
   *
   * @param p players (at least 2)
   * @param r the random source
   * @return [p]: the coalition
   */
  public static boolean[] kernelCoalition(int p, SplittableRandom r) {
    double total = 0;
    for (int k = 1; k < p; k++) total += 1.0 / (k * (double) (p - k));
    double u = r.nextDouble() * total;
    int k = 1;
    for (double c = 1.0 / (p - 1); c < u && k < p - 1; c += 1.0 / (k * (double) (p - k))) k++;
    int[] perm = permutation(p, r);
    boolean[] s = new boolean[p];
    for (int i = 0; i < k; i++) s[perm[i]] = true;
    return s;
  }

  /**
   * A coalition whose size is uniform in 1..p-1, then a uniform subset of that size: the sizes of the
   * coalitions in a player's Shapley average, each equally often, so the middle sizes, where players
   * interact, are tested as often as the extremes.
   *
   * @param p players (at least 2)
   * @param r the random source
   * @return [p]: the coalition
   */
  public static boolean[] uniformSizeCoalition(int p, SplittableRandom r) {
    int k = 1 + r.nextInt(p - 1);
    int[] perm = permutation(p, r);
    boolean[] s = new boolean[p];
    for (int i = 0; i < k; i++) s[perm[i]] = true;
    return s;
  }

  /** @return a coalition with each of {@code p} players in it with probability 1/2 (Banzhaf's weighting) */
  public static boolean[] uniformCoalition(int p, SplittableRandom r) {
    boolean[] s = new boolean[p];
    for (int i = 0; i < p; i++) s[i] = r.nextBoolean();
    return s;
  }

  /** @return the players not in {@code s} */
  public static boolean[] complement(boolean[] s) {
    boolean[] c = new boolean[s.length];
    for (int i = 0; i < s.length; i++) c[i] = !s[i];
    return c;
  }
}
