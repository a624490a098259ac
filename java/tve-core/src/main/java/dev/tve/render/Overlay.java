package dev.tve.render;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.addWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.COLORMAP_JET;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.applyColorMap;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Draws an attribution over its image: the g x g map (values in [0, 1], row-major) upsampled
 * bilinearly to the image, an OpenCV colormap (JET) blended at {@code alpha}, the whole shown at
 * {@code scale} x with a caption bar (class and probability).
 *
 * <pre>{@code
 * Mat bgr = Overlay.builder().optScale(4).build().draw(pixels, 56, 56, 1, map, 7, "Sneaker 0.97");
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class Overlay {
  private final int scale;
  private final double alpha;
  private final int colormap;

  private Overlay(Builder b) {
    scale = b.scale;
    alpha = b.alpha;
    colormap = b.colormap;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param pixels the image as 8-bit values, HWC, RGB or gray, [h * w * channels]
   * @param map g x g values in [0, 1] (clamped)
   * @return a BGR 8-bit image of (h * scale + 20) x (w * scale); the caller closes it
   */
  public Mat draw(byte[] pixels, int h, int w, int channels, float[] map, int grid, String caption) {
    if (pixels.length != h * w * channels) throw new IllegalArgumentException("pixels: " + pixels.length + " bytes for " + h + "x" + w + "x" + channels);
    if (map.length != grid * grid) throw new IllegalArgumentException("map: " + map.length + " values for grid " + grid);
    int H = h * scale, W = w * scale, bar = 20;
    Mat out = new Mat(H + bar, W, CV_8UC3, new Scalar(255, 255, 255, 0));
    try (PointerScope scope = new PointerScope()) {
      Mat img = new Mat(h, w, channels == 1 ? CV_8UC1 : CV_8UC3, new BytePointer(pixels));
      Mat bgr = new Mat();
      cvtColor(img, bgr, channels == 1 ? COLOR_GRAY2BGR : COLOR_RGB2BGR);
      Mat big = new Mat();
      resize(bgr, big, new Size(W, H), 0, 0, INTER_NEAREST);
      float[] clamped = new float[map.length];
      for (int i = 0; i < map.length; i++) clamped[i] = Math.max(0f, Math.min(1f, Float.isFinite(map[i]) ? map[i] : 0f));
      Mat m = new Mat(grid, grid, CV_32FC1, new FloatPointer(clamped));
      Mat up = new Mat();
      // Patch centres sit at (i + 0.5) * patch: bilinear resize of the g x g map puts them there.
      resize(m, up, new Size(W, H), 0, 0, INTER_LINEAR);
      Mat u8 = new Mat();
      up.convertTo(u8, CV_8UC1, 255.0, 0.0);
      Mat heat = new Mat();
      applyColorMap(u8, heat, colormap);
      Mat blended = new Mat();
      addWeighted(big, 1 - alpha, heat, alpha, 0, blended);
      blended.copyTo(out.apply(new org.bytedeco.opencv.opencv_core.Rect(0, bar, W, H)));
      rectangle(out, new Point(0, 0), new Point(W - 1, bar - 1), new Scalar(40, 40, 40, 0), -1, LINE_AA, 0);
      putText(out, caption, new Point(3, 14), FONT_HERSHEY_SIMPLEX, 0.42, new Scalar(255, 255, 255, 0), 1, LINE_AA, false);
    }
    return out;
  }

  /** Builder of {@link Overlay}. */
  public static final class Builder {
    private int scale = 4;
    private double alpha = 0.5;
    private int colormap = COLORMAP_JET;

    private Builder() {}

    /** Display magnification (default 4: a 56 px scene becomes 224 px). */
    public Builder optScale(int v) { scale = v; return this; }
    /** Heatmap weight in the blend (default 0.5). */
    public Builder optAlpha(double v) { alpha = v; return this; }
    /** An OpenCV colormap id (default COLORMAP_JET). */
    public Builder optColormap(int v) { colormap = v; return this; }

    public Overlay build() {
      if (scale < 1 || scale > 16) throw new IllegalArgumentException("scale: " + scale);
      if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("alpha: " + alpha);
      return new Overlay(this);
    }
  }
}
