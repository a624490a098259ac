package dev.tve.metric;

import dev.tve.image.Box;

/**
 * The pointing game on the patch grid: a hit when the centre of the map's top patch lies inside the
 * object's box (higher is better). Its chance level for a scene is the fraction of patch centres
 * inside the box ({@link dev.tve.image.SceneGenerator#randomPointingRate}).
 */
public final class PointingGame {
  public static final Direction DIRECTION = Direction.HIGHER_IS_BETTER;

  private PointingGame() {}

  /** Whether patch {@code patch} (row-major on a grid x grid map of an image of side size) points into the box. */
  public static boolean hit(int patch, int grid, int size, Box box) {
    return box.containsPatchCentre(patch, grid, size);
  }

  /** The top patch of a map (ties: the lowest index). */
  public static int top(float[] map) {
    int best = 0;
    for (int i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
    return best;
  }
}
