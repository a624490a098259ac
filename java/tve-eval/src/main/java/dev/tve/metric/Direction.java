package dev.tve.metric;

/** Which way a metric improves. */
public enum Direction {
  HIGHER_IS_BETTER, LOWER_IS_BETTER,
  /** A description, not a score (agreement between two methods, cost counts). */
  NEITHER;

  /** +1 when higher is better, -1 when lower is better, 0 for neither: sign * (a - b) > 0 means a is better. */
  public int sign() { return this == HIGHER_IS_BETTER ? 1 : this == LOWER_IS_BETTER ? -1 : 0; }

  public String label() { return this == HIGHER_IS_BETTER ? "higher is better" : this == LOWER_IS_BETTER ? "lower is better" : "neither side is better"; }
}
