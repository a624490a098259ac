package dev.tve.explain;

/**
 * A {@link PatchExplainer} that also gives a map per pixel, where that is natural (the gradient
 * methods: Saliency, Integrated Gradients). Summing a pixel map over each patch gives the patch map
 * (up to float rounding).
 *
 * <pre>{@code
 * PixelExplainer ig = new IntegratedGradients(encoder, head, 7, 50, black);
 * float[][] pixels = ig.explainPixels(x, n, targets);   // pixels[i]: S * S floats, row-major
 * }</pre>
 */
public interface PixelExplainer extends PatchExplainer {
  /** Side S of the pixel maps (the model's input side). */
  int imageSize();

  /**
   * @param x images [n, C, S, S], preprocessed as the model expects
   * @param targets the class to explain for each image
   * @return one S x S map per image, channels summed
   */
  float[][] explainPixels(float[] x, int n, int[] targets);
}
