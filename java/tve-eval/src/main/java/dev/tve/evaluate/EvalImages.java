package dev.tve.evaluate;

import dev.tve.image.Box;
import java.util.List;

/**
 * The images an evaluation scores: generated Fashion-MNIST scenes ({@link SceneImages}) or a user's
 * folder ({@link FolderEvalImages}), each image normalised for the model, with its label and its
 * object's box where known.
 *
 * <pre>{@code
 * EvalImages.Item it = images.item(3);
 * float[] x = it.x();              // [C * S * S], normalised
 * }</pre>
 */
public interface EvalImages {
  /**
   * One image.
   *
   * @param index its index in the set
   * @param name what to call it (a scene number or a file path)
   * @param x the normalised image [C * S * S]
   * @param label its class in {@link #classNames()}, or -1 when unknown
   * @param box its object's box in model-input pixels, or null when unknown
   */
  record Item(long index, String name, float[] x, int label, Box box) {}

  /** @return the square side S */
  int size();

  /** @return the channels C */
  int channels();

  /** @return the per-channel normalisation mean */
  float[] mean();

  /** @return the per-channel normalisation std */
  float[] std();

  /** @return the number of images (Long.MAX_VALUE for a generator) */
  long count();

  /** @return the class names labels index (empty without labels) */
  List<String> classNames();

  /** @return whether items carry boxes */
  boolean hasBoxes();

  /** @return whether items carry labels */
  boolean hasLabels();

  /**
   * @param index the image
   * @return the image, normalised, with its label and box
   */
  Item item(long index);

  /**
   * The normalised image back to 8-bit pixels for pictures (HWC, channels as the model sees them).
   *
   * @param x a normalised image [C * S * S]
   * @param scale the value of a full-intensity pixel before normalisation
   * @return the pixels
   */
  default byte[] display(float[] x, float scale) {
    int s = size(), c = channels(), p = s * s;
    float[] m = mean(), sd = std();
    byte[] out = new byte[p * c];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < p; i++) {
        double v = (x[ch * p + i] * sd[ch] + m[ch]) / scale * 255;
        out[i * c + ch] = (byte) Math.max(0, Math.min(255, Math.round(v)));
      }
    }
    return out;
  }
}
