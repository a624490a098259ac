package dev.tve.render;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * An image's signed maps side by side on one scale, with a colour bar: each raw g x g map upsampled
 * bilinearly over the region the model saw (the whole image when stretched, the centre crop when
 * cropped), coloured on a diverging scale (blue for negative, transparent at zero, red for positive)
 * whose ends are ± {@code scale}, the same for every tile, so a target that moves its output little
 * looks faint beside one that moves it much. The bar at the right says what the colours mean.
 *
 * <pre>{@code
 * float s = SignedOverlay.sharedScale(maps);                  // the largest |value| of the image's maps
 * Mat row = new SignedOverlay(0.6).row(pixels, h, w, 1, null, maps, captions, 7, s, "logit");
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class SignedOverlay {
  static {
    dev.tve.image.OpenCvEnvironment.apply();
  }

  /** Height of a caption bar. */
  static final int BAR = 20;
  /** Width of the colour bar with its labels. */
  static final int SCALE_WIDTH = 76;

  private final double alpha;

  /** @param alpha the heat's weight at the scale's ends (0 to 1) */
  public SignedOverlay(double alpha) {
    if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("alpha: " + alpha);
    this.alpha = alpha;
  }

  /** @return the largest |value| over the maps (at least the smallest positive float) */
  public static float sharedScale(List<float[]> maps) {
    float s = 0;
    for (float[] m : maps) for (float v : m) if (Float.isFinite(v)) s = Math.max(s, Math.abs(v));
    return Math.max(s, Float.MIN_NORMAL);
  }

  /**
   * One tile per map and the colour bar, concatenated.
   *
   * @param pixels the image, 8-bit HWC, RGB or gray
   * @param h its height
   * @param w its width
   * @param channels 1 or 3
   * @param region where the map lies in the image (null: all of it)
   * @param maps raw g x g maps
   * @param captions one per map
   * @param grid g
   * @param scales each map's scale (one value: shared by all)
   * @param unit what the values are (for the bar's label)
   * @return a BGR image; the caller closes it
   */
  public Mat row(byte[] pixels, int h, int w, int channels, Rect region, List<float[]> maps, List<String> captions, int grid, float[] scales,
      String unit) {
    if (maps.size() != captions.size()) throw new IllegalArgumentException(maps.size() + " maps, " + captions.size() + " captions");
    if (scales.length != 1 && scales.length != maps.size()) throw new IllegalArgumentException("one scale, or one per map");
    Mat out = new Mat();
    try (PointerScope scope = new PointerScope()) {
      MatVector tiles = new MatVector();
      for (int i = 0; i < maps.size(); i++) {
        tiles.push_back(tile(pixels, h, w, channels, region, maps.get(i), grid, scales.length == 1 ? scales[0] : scales[i], captions.get(i)));
      }
      if (scales.length == 1) tiles.push_back(bar(h + BAR, scales[0], unit));
      org.bytedeco.opencv.global.opencv_core.hconcat(tiles, out);
    }
    return out;
  }

  /** One map over the image with its caption bar on top: (h + BAR) x w, BGR. */
  Mat tile(byte[] pixels, int h, int w, int channels, Rect region, float[] raw, int grid, float scale, String caption) {
    if (pixels.length != h * w * channels) throw new IllegalArgumentException("pixels: " + pixels.length + " bytes for " + h + "x" + w + "x" + channels);
    if (raw.length != grid * grid) throw new IllegalArgumentException("map: " + raw.length + " values for grid " + grid);
    Rect r = region == null ? new Rect(0, 0, w, h) : region;
    Mat out = new Mat(h + BAR, w, CV_8UC3, new Scalar(255, 255, 255, 0));
    Mat img = new Mat(h, w, channels == 1 ? CV_8UC1 : CV_8UC3, new BytePointer(pixels));
    Mat bgr = new Mat();
    cvtColor(img, bgr, channels == 1 ? COLOR_GRAY2BGR : COLOR_RGB2BGR);
    float[] s = new float[raw.length];
    for (int i = 0; i < raw.length; i++) s[i] = Float.isFinite(raw[i]) ? Math.max(-1f, Math.min(1f, raw[i] / scale)) : 0f;
    Mat m = new Mat(grid, grid, CV_32FC1, new FloatPointer(s));
    Mat up = new Mat();
    // Patch centres sit at (i + 0.5) * patch: a bilinear resize of the g x g map puts them there.
    resize(m, up, new Size(r.width(), r.height()), 0, 0, INTER_LINEAR);
    // Blend in Java arrays (one copy in and out): per-pixel indexer calls cost more than the PNG encoding.
    byte[] b = new byte[h * w * 3];
    bgr.data().get(b);
    int rx = r.x(), ry = r.y(), rw = r.width(), rh = r.height();       // each accessor is a JNI call: once, not per pixel
    float[] heat = new float[rw * rh];
    java.nio.FloatBuffer hb = (up.isContinuous() ? up : up.clone()).createBuffer();
    hb.get(heat);
    for (int y = 0; y < rh; y++) {
      for (int x = 0; x < rw; x++) {
        float t = heat[y * rw + x];
        // Diverging: red (BGR 40, 40, 220) for +1, blue (220, 90, 30) for -1, weight alpha * |t|.
        float a = (float) (alpha * Math.abs(t));
        int at = ((ry + y) * w + rx + x) * 3;
        int c0 = t >= 0 ? 40 : 220, c1 = t >= 0 ? 40 : 90, c2 = t >= 0 ? 220 : 30;
        b[at] = (byte) Math.round((1 - a) * (b[at] & 0xff) + a * c0);
        b[at + 1] = (byte) Math.round((1 - a) * (b[at + 1] & 0xff) + a * c1);
        b[at + 2] = (byte) Math.round((1 - a) * (b[at + 2] & 0xff) + a * c2);
      }
    }
    bgr.data().put(b);
    bgr.copyTo(out.apply(new Rect(0, BAR, w, h)));
    rectangle(out, new Point(0, 0), new Point(w - 1, BAR - 1), new Scalar(40, 40, 40, 0), -1, LINE_AA, 0);
    putText(out, fit(caption, w), new Point(3, 14), FONT_HERSHEY_SIMPLEX, 0.42, new Scalar(255, 255, 255, 0), 1, LINE_AA, false);
    return out;
  }

  private static String fit(String caption, int w) {
    int chars = Math.max(4, w / 7);
    return caption.length() <= chars ? caption : caption.substring(0, chars - 1) + "~";
  }

  /** The colour bar: +scale at the top, 0 in the middle, -scale at the bottom, and the unit. */
  Mat bar(int height, float scale, String unit) {
    Mat out = new Mat(height, SCALE_WIDTH, CV_8UC3, new Scalar(255, 255, 255, 0));
    int top = BAR + 4, bottom = height - 6, x0 = 4, x1 = 16;
    UByteIndexer px = out.createIndexer();
    for (int y = top; y <= bottom; y++) {
      double t = 1 - 2.0 * (y - top) / Math.max(1, bottom - top);
      double a = alpha * Math.abs(t);
      int[] c = t >= 0 ? new int[] {40, 40, 220} : new int[] {220, 90, 30};
      for (int x = x0; x <= x1; x++) for (int k = 0; k < 3; k++) px.put(y, x, k, (int) Math.round((1 - a) * 255 + a * c[k]));
    }
    px.release();
    Scalar ink = new Scalar(20, 20, 20, 0);
    putText(out, unit, new Point(2, 13), FONT_HERSHEY_SIMPLEX, unit.length() > 9 ? 0.28 : 0.36, ink, 1, LINE_AA, false);
    putText(out, label(scale), new Point(x1 + 3, top + 8), FONT_HERSHEY_SIMPLEX, 0.33, ink, 1, LINE_AA, false);
    putText(out, "0", new Point(x1 + 3, (top + bottom) / 2 + 4), FONT_HERSHEY_SIMPLEX, 0.33, ink, 1, LINE_AA, false);
    putText(out, label(-scale), new Point(x1 + 3, bottom), FONT_HERSHEY_SIMPLEX, 0.33, ink, 1, LINE_AA, false);
    return out;
  }

  /** @return a scale value as the bar writes it */
  public static String label(float v) {
    float a = Math.abs(v);
    return a >= 100 || a < 0.01 ? String.format(Locale.ROOT, "%+.1e", v) : String.format(Locale.ROOT, "%+.3g", v);
  }

  /**
   * An image for display, 8-bit HWC.
   *
   * @param pixels {@code height * width * channels} bytes, RGB or gray
   */
  public record Picture(byte[] pixels, int height, int width, int channels) {}

  /**
   * An image for display: the long side at most {@code maxSide} (shrunk), the short side at least
   * {@code minSide} (enlarged by a whole factor, nearest), colour made gray when {@code gray}.
   *
   * @param rgb floats in [0, 1], HWC
   * @return the 8-bit picture
   */
  public static Picture displayCopy(float[] rgb, int h, int w, int channels, int maxSide, int minSide, boolean gray) {
    try (PointerScope scope = new PointerScope()) {
      Mat m = new Mat(h, w, channels == 1 ? CV_32FC1 : org.bytedeco.opencv.global.opencv_core.CV_32FC3, new FloatPointer(rgb));
      Mat u8 = new Mat();
      m.convertTo(u8, channels == 1 ? CV_8UC1 : CV_8UC3, 255.0, 0.0);
      if (gray && channels != 1) {
        Mat g = new Mat();
        org.bytedeco.opencv.global.opencv_imgproc.cvtColor(u8, g, org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY);
        u8 = g;
        channels = 1;
      }
      double f = 1;
      if (Math.max(h, w) > maxSide) f = (double) maxSide / Math.max(h, w);
      else if (Math.min(h, w) < minSide) f = Math.min(Math.ceil((double) minSide / Math.min(h, w)), Math.floor((double) maxSide / Math.max(h, w)));
      Mat d = u8;
      if (f != 1) {
        d = new Mat();
        resize(u8, d, new Size((int) Math.round(w * f), (int) Math.round(h * f)), 0, 0, f < 1 ? INTER_AREA : INTER_NEAREST);
      }
      byte[] px = new byte[d.rows() * d.cols() * channels];
      (d.isContinuous() ? d : d.clone()).data().get(px);
      return new Picture(px, d.rows(), d.cols(), channels);
    }
  }
}
