package dev.tve.explain.classic;

import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.explain.ReferenceMaps;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two floors every attribution method must beat, behind the same contract: {@code random} (a
 * uniform map seeded per image key) and {@code intensity} (each patch's mean brightness, from the
 * model's normalisation undone). Neither looks at the model, the head or the target; they pass
 * forward and backward counts of zero.
 *
 * <pre>{@code
 * Explainer r = ReferenceFloor.random(encoder, 7, 7);
 * Explainer b = ReferenceFloor.intensity(encoder, 7, mean, std);
 * }</pre>
 *
 * Threads: stateless; may be shared.
 */
public final class ReferenceFloor implements Explainer {
  private final String name;
  private final Encoder encoder;
  private final int grid;
  private final long seed;
  private final float[] mean, std;

  private ReferenceFloor(String name, Encoder encoder, int grid, long seed, float[] mean, float[] std) {
    this.name = name;
    this.encoder = encoder;
    this.grid = grid;
    this.seed = seed;
    this.mean = mean;
    this.std = std;
  }

  /**
   * @param encoder the model's encoder (for {@code explain}'s predictions)
   * @param grid side g
   * @param seed seed, mixed with each image's key
   * @return the random map
   */
  public static ReferenceFloor random(Encoder encoder, int grid, long seed) {
    return new ReferenceFloor("random", encoder, grid, seed, null, null);
  }

  /**
   * @param encoder the model's encoder (for {@code explain}'s predictions)
   * @param grid side g
   * @param mean per-channel mean of the model's normalisation
   * @param std per-channel std of the model's normalisation
   * @return the patch-intensity map
   */
  public static ReferenceFloor intensity(Encoder encoder, int grid, float[] mean, float[] std) {
    return new ReferenceFloor("intensity", encoder, grid, 0, mean.clone(), std.clone());
  }

  @Override public String name() { return name; }
  @Override public int grid() { return grid; }
  /** The floors look at no output; they report the default. */
  @Override public ExplainedOutput output() { return ExplainedOutput.LOGIT; }
  @Override public Encoder encoder() { return encoder; }
  @Override public long forwardPasses() { return 0; }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = new LinkedHashMap<>();
    if (mean == null) p.put("seed", seed);
    else p.put("uses", "pixels only");
    return p;
  }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    int n = images.n(), f = images.floats();
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = mean == null ? ReferenceMaps.random(grid, seed, images.keys()[i])
          : ReferenceMaps.intensity(images.x(), i * f, images.channels(), images.size(), grid, mean, std);
    }
    return out;
  }
}
