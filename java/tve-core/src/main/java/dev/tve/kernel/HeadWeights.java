package dev.tve.kernel;


/**
 * The weights of a linear head y = W f(x) + b as the projection kernel reads them: W is
 * [classes, dim] row-major, b is [classes] (or absent: zero bias).
 *
 * <pre>{@code
 * HeadWeights head = HeadWeights.of(FloatView.of(w), FloatView.of(b), 10, 128);
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class HeadWeights {
  private final FloatView weight;
  private final FloatView bias;
  private final int classes;
  private final int dim;

  private HeadWeights(FloatView weight, FloatView bias, int classes, int dim) {
    this.weight = weight;
    this.bias = bias;
    this.classes = classes;
    this.dim = dim;
  }

  /**
   * @param weight [classes, dim]
   * @param bias [classes], or null for a zero bias
   */
  public static HeadWeights of(FloatView weight, FloatView bias, int classes, int dim) {
    Args.notNull(weight, "weight");
    if (classes < 1) throw new IllegalArgumentException("classes: " + classes + " (need >= 1)");
    if (dim < 1) throw new IllegalArgumentException("dim: " + dim + " (need >= 1)");
    if (weight.size() != (long) classes * dim) {
      throw new IllegalArgumentException("weight: " + weight.size() + " floats, shape [classes=" + classes
          + ", dim=" + dim + "] needs " + (long) classes * dim);
    }
    if (bias != null && bias.size() != classes) {
      throw new IllegalArgumentException("bias: " + bias.size() + " floats, need [classes=" + classes + "]");
    }
    return new HeadWeights(weight, bias, classes, dim);
  }

  /** Convenience for arrays: W [classes, dim] and b [classes] (b may be null). */
  public static HeadWeights of(float[] weight, float[] bias, int classes, int dim) {
    return of(FloatView.of(weight), bias == null ? null : FloatView.of(bias), classes, dim);
  }

  public FloatView weight() { return weight; }
  /** The bias, or null for a zero bias. */
  public FloatView bias() { return bias; }
  public int classes() { return classes; }
  public int dim() { return dim; }
}
