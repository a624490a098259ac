package dev.tve.kernel;

/** Where an extra [CLS] row sits among the P rows of E+ and E-; it is skipped by the projection. */
public enum ClsRow {
  /** P = g * g: every row is a patch. */
  NONE(0),
  /** P = g * g + 1, row 0 is [CLS]. */
  FIRST(1),
  /** P = g * g + 1, the last row is the extra one (the TVE reference's layout). */
  LAST(2);

  final int code;

  ClsRow(int code) {
    this.code = code;
  }

  /** Rows of E for a g x g grid with this layout. */
  public long rows(int grid) {
    return (long) grid * grid + (this == NONE ? 0 : 1);
  }
}
