package dev.tve.image;

/**
 * A decoded image: {@code height x width x channels} floats in [0, 1], row-major, interleaved,
 * channels in RGB order (1 for gray), EXIF orientation applied.
 *
 * @param bitDepth the file's bits per channel (8 or 16; 32 for float formats)
 */
public record DecodedImage(int width, int height, int channels, float[] pixels, String format, int bitDepth) {
  /** Channel c of pixel (y, x). */
  public float get(int y, int x, int c) {
    return pixels[(y * width + x) * channels + c];
  }
}
