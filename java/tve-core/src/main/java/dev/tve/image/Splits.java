package dev.tve.image;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Train / validation indices carved from a dataset's train split by a seeded permutation. Every
 * parameter choice is made on validation; the dataset's test split serves only final numbers.
 *
 * <pre>{@code
 * Splits s = Splits.carve(60_000, 5_000, 1);   // s.train(): 55,000 indices, s.validation(): 5,000
 * }</pre>
 */
public record Splits(int[] train, int[] validation) {
  /** Carves {@code validation} indices out of {@code total}, the rest is train; both sorted. */
  public static Splits carve(int total, int validation, long seed) {
    if (validation < 0 || validation >= total) {
      throw new IllegalArgumentException("validation " + validation + " of " + total + " items");
    }
    int[] perm = new int[total];
    for (int i = 0; i < total; i++) perm[i] = i;
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = total - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int[] val = Arrays.copyOfRange(perm, 0, validation), train = Arrays.copyOfRange(perm, validation, total);
    Arrays.sort(val);
    Arrays.sort(train);
    return new Splits(train, val);
  }

  /** Indices 0 .. n-1 (a whole split, e.g. test). */
  public static int[] all(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = i;
    return out;
  }

  /** The indices of {@code items} whose label satisfies {@code keep} (e.g. leave classes out). */
  public static int[] withLabels(int[] items, LabeledImages images, java.util.function.IntPredicate keep) {
    return Arrays.stream(items).filter(i -> keep.test(images.label(i))).toArray();
  }
}
