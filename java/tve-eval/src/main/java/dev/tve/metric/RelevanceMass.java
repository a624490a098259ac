package dev.tve.metric;

import dev.tve.image.Box;

/**
 * Relevance mass inside the ground-truth box (Arras et al., 2022, on the patch grid): the share of
 * the map's positive attribution that falls on patches whose centre lies in the box (the rule of
 * {@link PointingGame}). In [0, 1], higher is better; a map with no positive value scores 0. A
 * random map's expected score is the share of patches in the box.
 *
 * <pre>{@code
 * double mass = RelevanceMass.inBox(map, 7, 56, scene.box());
 * }</pre>
 */
public final class RelevanceMass {
  public static final Direction DIRECTION = Direction.HIGHER_IS_BETTER;

  private RelevanceMass() {}

  public static double inBox(float[] map, int grid, int size, Box box) {
    if (map.length != grid * grid) throw new IllegalArgumentException("map of " + map.length + " values for a " + grid + " x " + grid + " grid");
    double in = 0, all = 0;
    for (int p = 0; p < map.length; p++) {
      if (map[p] <= 0) continue;
      all += map[p];
      if (box.containsPatchCentre(p, grid, size)) in += map[p];
    }
    return all == 0 ? 0 : in / all;
  }
}
