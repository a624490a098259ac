package dev.tve.kernel;

import java.util.List;

/**
 * Several heads on the same encoder stacked into one weight matrix, so that one projection call
 * explains all of them (the multi-head form: N tasks for the price of one pass over E+ and E-).
 * Targets address (head, class) through {@link #row(int, int)}.
 *
 * <pre>{@code
 * HeadStack stack = HeadStack.of(List.of(tenClass, coarse));
 * int[] rows = {stack.row(0, 3), stack.row(1, 2)};           // two targets per image
 * Targets targets = Targets.same(batch, rows);
 * engine.project(ProjectionRequest.builder(ePos, eNeg, batch, stack.stacked(), targets, opts).build());
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class HeadStack {
  private final HeadWeights stacked;
  private final int[] offsets;

  private HeadStack(HeadWeights stacked, int[] offsets) {
    this.stacked = stacked;
    this.offsets = offsets;
  }

  /** Stacks the heads (copies their weights once). All must share one embedding dim. */
  public static HeadStack of(List<HeadWeights> heads) {
    Args.notNull(heads, "heads");
    if (heads.isEmpty()) throw new IllegalArgumentException("heads: empty");
    int dim = heads.get(0).dim();
    int total = 0;
    int[] offsets = new int[heads.size() + 1];
    for (int h = 0; h < heads.size(); h++) {
      HeadWeights head = Args.notNull(heads.get(h), "heads[" + h + "]");
      if (head.dim() != dim) {
        throw new IllegalArgumentException("heads[" + h + "]: dim " + head.dim() + " but heads[0] has dim " + dim);
      }
      offsets[h] = total;
      total = Math.addExact(total, head.classes());
    }
    offsets[heads.size()] = total;
    float[] w = new float[Math.multiplyExact(total, dim)];
    float[] b = new float[total];
    for (int h = 0; h < heads.size(); h++) {
      HeadWeights head = heads.get(h);
      System.arraycopy(head.weight().arrayOrCopy(), 0, w, offsets[h] * dim, head.classes() * dim);
      if (head.bias() != null) System.arraycopy(head.bias().arrayOrCopy(), 0, b, offsets[h], head.classes());
    }
    return new HeadStack(HeadWeights.of(w, b, total, dim), offsets);
  }

  /** The stacked head: [sum of classes, dim]. */
  public HeadWeights stacked() {
    return stacked;
  }

  public int heads() {
    return offsets.length - 1;
  }

  /** Row of the stacked head for class {@code cls} of head {@code head}. */
  public int row(int head, int cls) {
    if (head < 0 || head >= heads()) throw new IllegalArgumentException("head: " + head + " not in [0, " + heads() + ")");
    int classes = offsets[head + 1] - offsets[head];
    if (cls < 0 || cls >= classes) {
      throw new IllegalArgumentException("class: " + cls + " not in [0, " + classes + ") of head " + head);
    }
    return offsets[head] + cls;
  }

  /** The head a stacked row belongs to. */
  public int headOf(int row) {
    for (int h = 0; h < heads(); h++) if (row < offsets[h + 1]) return h;
    throw new IllegalArgumentException("row: " + row + " not in [0, " + offsets[heads()] + ")");
  }
}
