package dev.tve.image;

import java.io.IOException;
import java.util.List;

/**
 * Gray images [N, H, W] (unsigned bytes) with one label each, and the class names. Immutable;
 * may be shared between threads.
 */
public final class LabeledImages {
  private final IdxFile images;
  private final int[] labels;
  private final List<String> classes;
  private final int height;
  private final int width;

  private LabeledImages(IdxFile images, int[] labels, List<String> classes) {
    this.images = images;
    this.height = images.shape()[1];
    this.width = images.shape()[2];
    this.labels = labels;
    this.classes = List.copyOf(classes);
  }

  /** Pairs an image file [N, H, W] with a label file [N] whose values index {@code classes}. */
  public static LabeledImages of(IdxFile images, IdxFile labels, List<String> classes) throws IOException {
    int[] is = images.shape(), ls = labels.shape();
    if (is.length != 3) throw new ImageDataException(images.source(), "images must be [N, H, W], got rank " + is.length);
    if (ls.length != 1) throw new ImageDataException(labels.source(), "labels must be [N], got rank " + ls.length);
    if (is[0] != ls[0]) {
      throw new ImageDataException(labels.source(), ls[0] + " labels for " + is[0] + " images in " + images.source());
    }
    int[] values = new int[ls[0]];
    for (int i = 0; i < values.length; i++) {
      values[i] = labels.get(i);
      if (values[i] >= classes.size()) {
        throw new ImageDataException(labels.source(), "label " + values[i] + " at " + i + " but only " + classes.size() + " classes");
      }
    }
    return new LabeledImages(images, values, classes);
  }

  public int size() { return labels.length; }
  public int height() { return height; }
  public int width() { return width; }
  public int label(int i) { return labels[i]; }
  public List<String> classes() { return classes; }
  /** The image file, for raw access. */
  public IdxFile images() { return images; }

  /** Pixel (y, x) of image i, 0..255. */
  public int pixel(int i, int y, int x) {
    int h = height(), w = width();
    if (i < 0 || i >= labels.length || y < 0 || y >= h || x < 0 || x >= w) {
      throw new IndexOutOfBoundsException("pixel (" + i + ", " + y + ", " + x + ") outside [" + labels.length + ", " + h + ", " + w + "]");
    }
    return images.at((i * h + y) * w + x);
  }
}
