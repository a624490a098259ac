package dev.tve.image;

import java.util.List;

/**
 * One generated scene: a gray canvas (size x size, row-major, 0..255) holding one real item whose
 * tight ground-truth box is {@link #box()}, plus clutter pieces that never overlap that box.
 *
 * @param index the scene's index in its generator (with the generator's seed it reproduces it)
 * @param item the item's index in its source split
 */
public record Scene(long index, int size, byte[] pixels, int label, int item, Box box, List<Box> clutter) {
  /** Pixel (y, x), 0..255. */
  public int pixel(int y, int x) {
    return pixels[y * size + x] & 0xff;
  }
}
