package dev.tve.render;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Tiles images (BGR 8-bit, any sizes) into a grid of {@code columns}, each cell the largest tile's size. */
public final class Montage {
  private Montage() {}

  /** The caller closes the result; the tiles are not closed. */
  public static Mat tile(List<Mat> tiles, int columns) {
    if (tiles.isEmpty()) throw new IllegalArgumentException("montage: no tiles");
    if (columns < 1) throw new IllegalArgumentException("columns: " + columns);
    int cw = 0, ch = 0, gap = 4;
    for (Mat t : tiles) {
      cw = Math.max(cw, t.cols());
      ch = Math.max(ch, t.rows());
    }
    int cols = Math.min(columns, tiles.size()), rows = (tiles.size() + cols - 1) / cols;
    Mat out = new Mat(rows * (ch + gap) + gap, cols * (cw + gap) + gap, CV_8UC3, new Scalar(255, 255, 255, 0));
    for (int i = 0; i < tiles.size(); i++) {
      Mat t = tiles.get(i);
      int x = gap + (i % cols) * (cw + gap), y = gap + (i / cols) * (ch + gap);
      try (Mat roi = out.apply(new Rect(x, y, t.cols(), t.rows()))) {
        t.copyTo(roi);
      }
    }
    return out;
  }
}
