package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.explain.PixelExplainer;
import dev.tve.model.DifferentiableEncoder;
import dev.tve.model.Head;
import java.util.Map;

/**
 * Saliency (Simonyan et al., 2014; Captum's {@code Saliency}): the absolute gradient of the
 * explained output with respect to the pixels, one backward pass per image, summed into patches (or,
 * with {@link #attributePixels}, over channels per pixel).
 *
 * <pre>{@code
 * Saliency s = Saliency.builder(encoder, 7).build();
 * float[][] maps = s.attribute(Images.of(x, n, 1, 56), head, targets, null);          // 7 x 7 per image
 * float[][] pixels = s.attributePixels(Images.of(x, n, 1, 56), head, targets, null);  // S x S per image
 * }</pre>
 *
 * Threads: may be shared (each call builds its own graph; pass counts are atomic).
 */
public final class Saliency extends GradientExplainer implements PixelExplainer {
  private Saliency(Builder b) {
    super(b.encoder, b.grid, b.output, b.chunk);
  }

  /**
   * @param encoder the encoder, in eval mode
   * @param grid side g of the maps
   * @return a builder
   */
  public static Builder builder(DifferentiableEncoder encoder, int grid) {
    return new Builder(encoder, grid);
  }

  @Override public String name() { return "saliency"; }
  @Override public int imageSize() { return encoder.imageSize(); }
  @Override public Map<String, Object> parameters() { return baseParameters(); }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) { return maps(images, head, targets, foils, false); }

  @Override
  public float[][] attributePixels(Images images, Head head, int[] targets, int[] foils) { return maps(images, head, targets, foils, true); }

  private float[][] maps(Images images, Head head, int[] targets, int[] foils, boolean pixels) {
    check(images, head, targets, foils);
    int n = images.n(), c = encoder.channels(), s = encoder.imageSize(), f = c * s * s;
    float[][] out = new float[n][];
    for (int first = 0; first < n; first += internalBatchSize) {
      int k = Math.min(internalBatchSize, n - first);
      float[] g = gradient(images.x(), first, k, head, java.util.Arrays.copyOfRange(targets, first, first + k),
          foils == null ? null : java.util.Arrays.copyOfRange(foils, first, first + k), null);
      for (int i = 0; i < k; i++) out[first + i] = pool(g, i * f, c, s, pixels ? s : grid, true);
    }
    return out;
  }

  /** Builder of {@link Saliency}; {@code opt*} setters have defaults. */
  public static final class Builder extends GradientExplainer.Builder<Builder> {
    private Builder(DifferentiableEncoder encoder, int grid) {
      super(encoder, grid);
    }

    /** @return the explainer */
    public Saliency build() { return new Saliency(this); }
  }
}
