package dev.tve.image;

/**
 * Numbered, preprocessed images of one size, as model input: image {@code i} is always the same
 * floats [C, S, S]. What pre-training and evaluation read (generated scenes, a folder of images).
 */
public interface ImageSource {
  int channels();

  /** Square side S. */
  int size();

  /** Number of images, or {@code Long.MAX_VALUE} for an endless generator. */
  long count();

  /** Floats per image: C * S * S. */
  default int imageFloats() {
    return channels() * size() * size();
  }

  /** Fills images [first, first + n) into x ([n, C, S, S] row-major). */
  void fill(long first, int n, float[] x);
}
