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

  /** Images [from, from + n) of this source, renumbered from 0. */
  default ImageSource range(long from, long n) {
    ImageSource base = this;
    if (from < 0 || n < 1 || from + n > count()) throw new IllegalArgumentException("range [" + from + ", " + (from + n) + ") of " + count() + " images");
    return new ImageSource() {
      @Override public int channels() { return base.channels(); }
      @Override public int size() { return base.size(); }
      @Override public long count() { return n; }
      @Override public void fill(long first, int k, float[] x) { base.fill(from + first, k, x); }
    };
  }
}
