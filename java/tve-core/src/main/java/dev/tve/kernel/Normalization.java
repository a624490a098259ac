package dev.tve.kernel;

/**
 * Post-processing of a projected map. The raw signed map is always available beside it.
 *
 * <ul>
 *   <li>{@link #NONE}: the raw map, box-smoothed when the smoothing radius is positive;
 *   <li>{@link #MINMAX}: box-smoothed when the radius is positive, then min-max to [0, 1];
 *   <li>{@link #REFERENCE}: the TVE reference code's chain: min-max, box average of the smoothing
 *       radius (borders average only the cells inside), min-max.
 * </ul>
 * Min-max always uses an epsilon: a map whose range is at most {@code epsilon * max|value|} is
 * constant and becomes all zeros, never NaN.
 */
public enum Normalization {
  NONE(0), MINMAX(1), REFERENCE(2);

  final int code;

  Normalization(int code) {
    this.code = code;
  }
}
