package dev.tve.image;

/**
 * Scenes as model inputs: gray [B, 1, S, S] floats, normalised (x / 255 - mean) / std, with their
 * labels. Scene {@code i} of a batch starting at {@code first} is generator scene {@code first + i}.
 *
 * <pre>{@code
 * SceneBatches batches = new SceneBatches(generator, 0.1f, 0.25f);
 * float[] x = new float[64 * batches.imageFloats()];
 * int[] y = new int[64];
 * batches.fill(0, 64, x, y);
 * }</pre>
 *
 * Stateless beyond its generator; may be shared between threads.
 */
public final class SceneBatches implements ImageSource {
  private final SceneGenerator generator;
  private final float mean;
  private final float std;

  public SceneBatches(SceneGenerator generator, float mean, float std) {
    if (!(std > 0)) throw new IllegalArgumentException("std: " + std);
    this.generator = generator;
    this.mean = mean;
    this.std = std;
  }

  public SceneGenerator generator() { return generator; }
  public float mean() { return mean; }
  public float std() { return std; }
  /** Floats per scene: S * S. */
  @Override public int imageFloats() { return generator.canvas() * generator.canvas(); }
  @Override public int channels() { return 1; }
  @Override public int size() { return generator.canvas(); }
  /** Scenes are generated on demand: any index is a scene. */
  @Override public long count() { return Long.MAX_VALUE; }

  @Override
  public void fill(long first, int n, float[] x) {
    fill(first, n, x, null);
  }

  /** Fills scenes [first, first + n) into x ([n, 1, S, S]) and their labels into y. */
  public void fill(long first, int n, float[] x, int[] y) {
    for (int i = 0; i < n; i++) {
      Scene s = generator.scene(first + i);
      normalise(s, x, i * imageFloats());
      if (y != null) y[i] = s.label();
    }
  }

  /** Writes scene s, normalised ((v / 255 - mean) / std), into x at offset. */
  public void normalise(Scene s, float[] x, int offset) {
    float scale = 1f / (255f * std), shift = mean / std;
    byte[] px = s.pixels();
    for (int j = 0; j < px.length; j++) x[offset + j] = (px[j] & 0xff) * scale - shift;
  }

  /** Mean and standard deviation of pixel values in [0, 1] over scenes [first, first + n). */
  public static float[] statistics(SceneGenerator generator, long first, int n) {
    double sum = 0, sq = 0;
    long count = 0;
    for (long i = first; i < first + n; i++) {
      for (byte b : generator.scene(i).pixels()) {
        double v = (b & 0xff) / 255.0;
        sum += v;
        sq += v * v;
        count++;
      }
    }
    double m = sum / count;
    return new float[] {(float) m, (float) Math.sqrt(Math.max(1e-12, sq / count - m * m))};
  }
}
