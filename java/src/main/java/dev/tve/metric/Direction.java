package dev.tve.metric;

/** Which way a metric improves. */
public enum Direction {
  HIGHER_IS_BETTER, LOWER_IS_BETTER;

  /** +1 when higher is better, -1 when lower is better: sign * (a - b) > 0 means a is better. */
  public int sign() { return this == HIGHER_IS_BETTER ? 1 : -1; }

  public String label() { return this == HIGHER_IS_BETTER ? "higher is better" : "lower is better"; }
}
