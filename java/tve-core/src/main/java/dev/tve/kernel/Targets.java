package dev.tve.kernel;

import java.util.Arrays;

/**
 * What to explain: K head rows per image (classes, or (head, class) rows of a {@link HeadStack}),
 * each optionally against a foil row (the contrastive form "why k and not j", which projects
 * onto W_k - W_j).
 *
 * <pre>{@code
 * Targets.same(64, 3);                          // class 3 for every image
 * Targets.perImage(1, new int[] {3, 1, 4});     // one class per image
 * Targets.all(64, 10);                          // every class: K = 10
 * Targets.contrastive(1, new int[] {3}, new int[] {5});   // 3 versus 5
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class Targets {
  /** Foil value meaning "no foil". */
  public static final int NO_FOIL = -1;

  private final int k;
  private final int[] rows;
  private final int[] foils;

  private Targets(int k, int[] rows, int[] foils) {
    this.k = k;
    this.rows = rows;
    this.foils = foils;
  }

  /** K targets per image: {@code rows} is [batch, k] row-major. */
  public static Targets perImage(int k, int[] rows) {
    Args.notNull(rows, "rows");
    if (k < 1) throw new IllegalArgumentException("k: " + k + " (need >= 1)");
    if (rows.length % k != 0) throw new IllegalArgumentException("rows: length " + rows.length + " is not a multiple of k=" + k);
    return new Targets(k, rows.clone(), null);
  }

  /** The same targets for every image of the batch. */
  public static Targets same(int batch, int... rows) {
    if (batch < 0) throw new IllegalArgumentException("batch: " + batch);
    if (rows.length == 0) throw new IllegalArgumentException("rows: empty");
    int[] all = new int[batch * rows.length];
    for (int b = 0; b < batch; b++) System.arraycopy(rows, 0, all, b * rows.length, rows.length);
    return new Targets(rows.length, all, null);
  }

  /** All {@code classes} rows for every image (K = classes). */
  public static Targets all(int batch, int classes) {
    int[] r = new int[classes];
    for (int c = 0; c < classes; c++) r[c] = c;
    return same(batch, r);
  }

  /** K contrastive targets per image: {@code rows[i]} against {@code foils[i]} ({@link #NO_FOIL}: none). */
  public static Targets contrastive(int k, int[] rows, int[] foils) {
    Targets t = perImage(k, rows);
    Args.notNull(foils, "foils");
    if (foils.length != rows.length) {
      throw new IllegalArgumentException("foils: length " + foils.length + " but rows has " + rows.length);
    }
    return new Targets(k, t.rows, foils.clone());
  }

  /** Targets per image. */
  public int k() { return k; }
  /** Images covered: rows().length / k. */
  public int batch() { return rows.length / k; }
  /** [batch, k] rows (a copy). */
  public int[] rows() { return rows.clone(); }
  /** [batch, k] foils (a copy), or null when none. */
  public int[] foils() { return foils == null ? null : foils.clone(); }
  public int row(int b, int t) { return rows[b * k + t]; }
  public int foil(int b, int t) { return foils == null ? NO_FOIL : foils[b * k + t]; }
  public boolean hasFoils() { return foils != null; }

  int[] rowsUnsafe() { return rows; }
  int[] foilsUnsafe() { return foils; }

  @Override
  public String toString() {
    return "Targets[k=" + k + ", rows=" + Arrays.toString(rows) + (foils == null ? "" : ", foils=" + Arrays.toString(foils)) + "]";
  }
}
