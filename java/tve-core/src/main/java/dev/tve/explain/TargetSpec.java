package dev.tve.explain;

import java.util.ArrayList;
import java.util.List;

/**
 * Which classes to explain, per image: the predicted class ({@code pred}), a given class
 * ({@code K}), the top N ({@code topk:N}), every class ({@code all}), or class K against foil J
 * ({@code K:J}, "why K and not J"). Resolved per image from its logits.
 *
 * <pre>{@code
 * TargetSpec t = TargetSpec.parse("topk:3");
 * int[][] kf = t.resolve(logits);   // {classes, foils}; foils are -1 unless contrastive
 * }</pre>
 */
public record TargetSpec(Kind kind, int classIndex, int foil, int k) {
  public enum Kind { PREDICTED, CLASS, TOP_K, ALL, CONTRASTIVE }

  public static TargetSpec predicted() {
    return new TargetSpec(Kind.PREDICTED, -1, -1, 1);
  }

  public static TargetSpec parse(String s) {
    String v = s.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (v.equals("pred")) return predicted();
      if (v.equals("all")) return new TargetSpec(Kind.ALL, -1, -1, 0);
      if (v.startsWith("topk:")) {
        int n = Integer.parseInt(v.substring(5));
        if (n < 1) throw new NumberFormatException();
        return new TargetSpec(Kind.TOP_K, -1, -1, n);
      }
      int colon = v.indexOf(':');
      if (colon > 0) return new TargetSpec(Kind.CONTRASTIVE, Integer.parseInt(v.substring(0, colon)), Integer.parseInt(v.substring(colon + 1)), 1);
      return new TargetSpec(Kind.CLASS, Integer.parseInt(v), -1, 1);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("target '" + s + "': use pred, K, topk:N, all or K:J");
    }
  }

  /** Checks the classes against a head of {@code classes} classes. */
  /**
   * Checks this spec against every head.
   *
   * @param heads the heads
   */
  public void checkAll(java.util.List<? extends dev.tve.model.Head> heads) {
    for (dev.tve.model.Head h : heads) check(h.classes(), h.name());
  }

  public void check(int classes, String head) {
    if ((kind == Kind.CLASS || kind == Kind.CONTRASTIVE) && (classIndex < 0 || classIndex >= classes)) {
      throw new IllegalArgumentException("target class " + classIndex + ": head '" + head + "' has classes 0.." + (classes - 1));
    }
    if (kind == Kind.CONTRASTIVE && (foil < 0 || foil >= classes || foil == classIndex)) {
      throw new IllegalArgumentException("foil class " + foil + ": head '" + head + "' has classes 0.." + (classes - 1) + ", and it must differ from " + classIndex);
    }
  }

  /** Targets per image for a head with {@code classes} classes. */
  public int count(int classes) {
    return switch (kind) {
      case ALL -> classes;
      case TOP_K -> Math.min(k, classes);
      default -> 1;
    };
  }

  /** The classes (and foils, -1 when none) to explain for an image with these logits. */
  public int[][] resolve(float[] logits) {
    int c = logits.length, n = count(c);
    int[] classes = new int[n], foils = new int[n];
    java.util.Arrays.fill(foils, -1);
    switch (kind) {
      case PREDICTED -> classes[0] = order(logits).get(0);
      case CLASS -> classes[0] = classIndex;
      case CONTRASTIVE -> {
        classes[0] = classIndex;
        foils[0] = foil;
      }
      case TOP_K -> {
        List<Integer> o = order(logits);
        for (int i = 0; i < n; i++) classes[i] = o.get(i);
      }
      case ALL -> {
        for (int i = 0; i < n; i++) classes[i] = i;
      }
      default -> throw new IllegalStateException();
    }
    return new int[][] {classes, foils};
  }

  /** Class indices by decreasing logit (ties: lower index first). */
  static List<Integer> order(float[] logits) {
    List<Integer> o = new ArrayList<>();
    for (int i = 0; i < logits.length; i++) o.add(i);
    o.sort((a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
    return o;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PREDICTED -> "pred";
      case CLASS -> Integer.toString(classIndex);
      case TOP_K -> "topk:" + k;
      case ALL -> "all";
      case CONTRASTIVE -> classIndex + ":" + foil;
    };
  }
}
