package dev.tve.explain.classic;

import dev.tve.explain.PixelExplainer;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;

/**
 * Saliency (Simonyan et al., 2014; Captum's {@code Saliency}): the absolute gradient of the target
 * logit with respect to the pixels, one backward pass per image, summed into patches (or, with
 * {@link #explainPixels}, over channels per pixel). Built-in encoders only (it needs libtorch
 * autograd through the encoder).
 *
 * <pre>{@code
 * Saliency s = new Saliency(encoder, model.head("ten-class"), 7, 32);
 * float[][] maps = s.explain(x, n, targets);          // 7 x 7 per image
 * float[][] pixels = s.explainPixels(x, n, targets);  // S x S per image
 * }</pre>
 */
public final class Saliency implements PixelExplainer {
  private final Gradients gradients;
  private final int grid, chunk;

  /** @param chunk images per backward pass (Captum's internal batch size) */
  public Saliency(EncoderModule encoder, Head head, int grid, int chunk) {
    if (encoder.imageSize() % grid != 0) throw new IllegalArgumentException("image side " + encoder.imageSize() + " is not a multiple of the grid " + grid);
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    this.gradients = new Gradients(encoder, head);
    this.grid = grid;
    this.chunk = chunk;
  }

  @Override public String name() { return "saliency"; }
  @Override public int grid() { return grid; }
  @Override public int imageSize() { return gradients.size(); }
  @Override public long forwardPasses() { return gradients.passes(); }
  @Override public long backwardPasses() { return gradients.passes(); }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) { return maps(x, n, targets, false); }

  @Override
  public float[][] explainPixels(float[] x, int n, int[] targets) { return maps(x, n, targets, true); }

  private float[][] maps(float[] x, int n, int[] targets, boolean pixels) {
    int c = gradients.channels(), s = gradients.size(), f = c * s * s;
    float[][] out = new float[n][];
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      float[] g = gradients.of(java.util.Arrays.copyOfRange(x, first * f, (first + k) * f), k,
          java.util.Arrays.copyOfRange(targets, first, first + k), null);
      for (int i = 0; i < k; i++) out[first + i] = Gradients.pool(g, i * f, c, s, pixels ? s : grid, true);
    }
    return out;
  }
}
