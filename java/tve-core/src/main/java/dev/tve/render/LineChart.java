package dev.tve.render;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * A plain line chart drawn with OpenCV and written as PNG: one or more named series over a shared
 * x axis, optional log-scale y, axis labels with min / max ticks. Enough for loss curves and
 * deletion / insertion curves; no plotting library needed.
 *
 * <pre>{@code
 * LineChart.builder("pre-training loss", "step", "MSE").optLogY(true)
 *     .series("loss", losses).build().write(Path.of("loss.png"));
 * }</pre>
 */
public final class LineChart {
  private static final Scalar[] COLORS = {new Scalar(180, 119, 31, 0), new Scalar(14, 127, 255, 0), new Scalar(44, 160, 44, 0),
      new Scalar(40, 39, 214, 0), new Scalar(189, 103, 148, 0), new Scalar(75, 86, 140, 0), new Scalar(194, 119, 227, 0),
      new Scalar(127, 127, 127, 0), new Scalar(34, 189, 188, 0), new Scalar(207, 190, 23, 0)};

  private record Series(String name, double[] x, double[] y) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final boolean logY;
  private final int width;
  private final int height;
  private final List<Series> series;

  private LineChart(Builder b) {
    title = b.title;
    xLabel = b.xLabel;
    yLabel = b.yLabel;
    logY = b.logY;
    width = b.width;
    height = b.height;
    series = List.copyOf(b.series);
  }

  public static Builder builder(String title, String xLabel, String yLabel) {
    return new Builder(title, xLabel, yLabel);
  }

  /** Draws the chart: a BGR 8-bit image. */
  public Mat draw() {
    Mat m = new Mat(height, width, CV_8UC3, new Scalar(255, 255, 255, 0));
    // Several series: the legend gets its own column right of the plot, clear of the curves.
    int legend = series.size() > 1 ? 215 : 0;
    int left = 70, right = width - 20 - legend, top = 40, bottom = height - 50;
    double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        double y = yValue(s.y()[i]);
        if (!Double.isFinite(y)) continue;
        x0 = Math.min(x0, s.x()[i]);
        x1 = Math.max(x1, s.x()[i]);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!(y1 > y0)) y1 = y0 + 1;
    Scalar black = new Scalar(0, 0, 0, 0), gray = new Scalar(200, 200, 200, 0);
    line(m, new Point(left, bottom), new Point(right, bottom), black, 1, LINE_AA, 0);
    line(m, new Point(left, top), new Point(left, bottom), black, 1, LINE_AA, 0);
    line(m, new Point(left, top), new Point(right, top), gray, 1, LINE_AA, 0);
    text(m, title, width / 2 - title.length() * 4, 22, 0.55);
    text(m, xLabel, (left + right) / 2 - xLabel.length() * 3, height - 12, 0.45);
    text(m, yLabel + (logY ? " (log)" : ""), 5, top - 8, 0.45);
    text(m, fmt(x0), left - 5, bottom + 18, 0.4);
    text(m, fmt(x1), right - 10, bottom + 18, 0.4);
    text(m, fmt(logY ? Math.pow(10, y1) : y1), 5, top + 12, 0.4);
    text(m, fmt(logY ? Math.pow(10, y0) : y0), 5, bottom, 0.4);
    for (int k = 0; k < series.size(); k++) {
      Series s = series.get(k);
      Scalar c = COLORS[k % COLORS.length];
      Point prev = null;
      for (int i = 0; i < s.x().length; i++) {
        double y = yValue(s.y()[i]);
        if (!Double.isFinite(y)) {
          prev = null;
          continue;
        }
        Point p = new Point(left + (int) Math.round((s.x()[i] - x0) / (x1 - x0) * (right - left)),
            bottom - (int) Math.round((y - y0) / (y1 - y0) * (bottom - top)));
        if (prev != null) line(m, prev, p, c, 2, LINE_AA, 0);
        prev = p;
      }
      if (series.size() > 1) {
        int ly = top + 16 + 16 * k;
        line(m, new Point(right + 15, ly - 4), new Point(right + 35, ly - 4), c, 2, LINE_AA, 0);
        text(m, s.name(), right + 40, ly, 0.4);
      }
    }
    return m;
  }

  /** Draws and writes the chart as PNG (atomically). */
  public void write(Path file) throws IOException {
    try (Mat m = draw()) {
      PngFiles.write(file, m);
    }
  }

  private double yValue(double y) {
    return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
  }

  private static String fmt(double v) {
    return Math.abs(v) >= 1000 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static void text(Mat m, String s, int x, int y, double scale) {
    putText(m, s, new Point(Math.max(0, x), y), FONT_HERSHEY_SIMPLEX, scale, new Scalar(0, 0, 0, 0), 1, LINE_AA, false);
  }

  /** Builder of {@link LineChart}. */
  public static final class Builder {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private boolean logY;
    private int width = 720;
    private int height = 420;
    private final List<Series> series = new ArrayList<>();

    private Builder(String title, String xLabel, String yLabel) {
      this.title = title;
      this.xLabel = xLabel;
      this.yLabel = yLabel;
    }

    public Builder optLogY(boolean v) { logY = v; return this; }
    public Builder optSize(int w, int h) { width = w; height = h; return this; }

    /** A series at x = 1, 2, ... */
    public Builder series(String name, float[] y) {
      double[] x = new double[y.length], yy = new double[y.length];
      for (int i = 0; i < y.length; i++) {
        x[i] = i + 1;
        yy[i] = y[i];
      }
      return series(name, x, yy);
    }

    public Builder series(String name, double[] x, double[] y) {
      if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
      series.add(new Series(name, x.clone(), y.clone()));
      return this;
    }

    public LineChart build() {
      if (series.isEmpty()) throw new IllegalArgumentException("a chart needs a series");
      if (width < 200 || height < 150) throw new IllegalArgumentException("chart size " + width + " x " + height);
      return new LineChart(this);
    }
  }
}
