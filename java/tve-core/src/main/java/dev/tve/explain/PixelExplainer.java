package dev.tve.explain;

import dev.tve.model.Head;

/**
 * An {@link Explainer} that also gives a map per pixel, where that is natural (the gradient methods:
 * Saliency, Integrated Gradients). Summing a pixel map over each patch gives the patch map (up to
 * float rounding).
 *
 * <pre>{@code
 * PixelExplainer ig = IntegratedGradients.builder(encoder, 7).build();
 * float[][] pixels = ig.attributePixels(Images.of(x, n, 1, 56), head, targets, null);   // S * S floats each
 * }</pre>
 */
public interface PixelExplainer extends Explainer {
  /** @return side S of the pixel maps (the model's input side) */
  int imageSize();

  /**
   * @param images the batch
   * @param head the head explained
   * @param targets the class to explain for each image
   * @param foils the contrast class for each image (-1: none), or null
   * @return one S x S map per image, channels summed
   */
  float[][] attributePixels(Images images, Head head, int[] targets, int[] foils);
}
