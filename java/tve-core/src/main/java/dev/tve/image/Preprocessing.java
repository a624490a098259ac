package dev.tve.image;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * How a decoded image becomes a model input: channel count, resize (stretch, or shorter side then
 * centre crop), and per-channel normalisation (x - mean) / std. Output is CHW floats.
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.builder(56, 56, 1).optMean(0.2860f).optStd(0.3530f).build();
 * float[] chw = p.apply(decoder.decode(file));
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class Preprocessing {
  /** How the image is brought to the target size. */
  public enum Resize { STRETCH, CENTER_CROP }

  /** Channel order of the model's input tensor (images decode as RGB). */
  public enum ChannelOrder { RGB, BGR }

  private final int height;
  private final int width;
  private final int channels;
  private final Resize resize;
  private final float[] mean;
  private final float[] std;
  private final float inputScale;
  private final ChannelOrder channelOrder;

  private Preprocessing(Builder b) {
    this.height = b.height;
    this.width = b.width;
    this.channels = b.channels;
    this.resize = b.resize;
    this.mean = b.mean;
    this.std = b.std;
    this.inputScale = b.inputScale;
    this.channelOrder = b.channelOrder;
  }

  /** Target {@code height x width} with 1 (gray) or 3 (RGB) channels; mean 0, std 1 by default. */
  public static Builder builder(int height, int width, int channels) {
    return new Builder(height, width, channels);
  }

  public int height() { return height; }
  public int width() { return width; }
  public int channels() { return channels; }
  public Resize resize() { return resize; }
  public float[] mean() { return mean.clone(); }
  public float[] std() { return std.clone(); }
  /** @return what a pixel of full intensity is before normalisation (1: pixels in [0, 1]; 255: in [0, 255]) */
  public float inputScale() { return inputScale; }
  /** @return the channel order of the model's input */
  public ChannelOrder channelOrder() { return channelOrder; }
  /** Floats per image: channels * height * width. */
  public int size() { return channels * height * width; }

  /** The image as normalised CHW floats. */
  public float[] apply(DecodedImage img) {
    float[] out = new float[size()];
    apply(img, out, 0);
    return out;
  }

  /** Writes the image as normalised CHW floats into {@code out} at {@code offset}. */
  public void apply(DecodedImage img, float[] out, int offset) {
    apply(img, java.nio.FloatBuffer.wrap(out), offset);
  }

  /**
   * Writes the image as normalised CHW floats into {@code out} (absolute indices, from
   * {@code offset}; a direct buffer is how a batch reaches libtorch without a copy).
   */
  public void apply(DecodedImage img, java.nio.FloatBuffer out, int offset) {
    try (PointerScope scope = new PointerScope()) {
      Mat m = new Mat(img.height(), img.width(), CV_32FC(img.channels()), new FloatPointer(img.pixels()));
      if (img.channels() == 3 && channels == 1) {
        Mat g = new Mat();
        cvtColor(m, g, COLOR_RGB2GRAY);
        m = g;
      }
      if (resize == Resize.CENTER_CROP) {
        double s = Math.max((double) height / m.rows(), (double) width / m.cols());
        int rh = Math.max(height, (int) Math.round(m.rows() * s)), rw = Math.max(width, (int) Math.round(m.cols() * s));
        Mat r = new Mat();
        opencv_imgproc.resize(m, r, new Size(rw, rh), 0, 0, s < 1 ? INTER_AREA : INTER_LINEAR);
        m = new Mat(r, new Rect((rw - width) / 2, (rh - height) / 2, width, height)).clone();
      } else if (m.rows() != height || m.cols() != width) {
        Mat r = new Mat();
        boolean shrink = m.rows() > height || m.cols() > width;
        opencv_imgproc.resize(m, r, new Size(width, height), 0, 0, shrink ? INTER_AREA : INTER_LINEAR);
        m = r;
      }
      int c = m.channels();
      java.nio.FloatBuffer hwc = (m.isContinuous() ? m : m.clone()).createBuffer();  // a view of the Mat
      for (int ch = 0; ch < channels; ch++) {
        int src = c == 1 ? 0 : channelOrder == ChannelOrder.BGR ? 2 - ch : ch;  // gray to RGB: replicate
        float mu = mean[ch], inv = 1f / std[ch], k = inputScale;
        int base = offset + ch * height * width;
        for (int i = 0; i < height * width; i++) out.put(base + i, (hwc.get(i * c + src) * k - mu) * inv);
      }
    }
  }

  @Override
  public String toString() {
    return channels + "x" + height + "x" + width + " " + resize + " " + channelOrder + " scale=" + inputScale + " mean=" + Arrays.toString(mean)
        + " std=" + Arrays.toString(std);
  }

  /** Builder of {@link Preprocessing}. */
  public static final class Builder {
    private final int height;
    private final int width;
    private final int channels;
    private Resize resize = Resize.STRETCH;
    private float[] mean;
    private float[] std;
    private float inputScale = 1f;
    private ChannelOrder channelOrder = ChannelOrder.RGB;

    private Builder(int height, int width, int channels) {
      if (height < 1 || width < 1) throw new IllegalArgumentException("size: " + height + " x " + width);
      if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels: " + channels + " (need 1 or 3)");
      this.height = height;
      this.width = width;
      this.channels = channels;
      this.mean = new float[channels];
      this.std = new float[channels];
      Arrays.fill(std, 1f);
    }

    /** @param v how the image is fitted to the model's size (default stretch)
     *  @return this builder */
    public Builder optResize(Resize v) { this.resize = v; return this; }

    /** @param v the value of a full-intensity pixel before normalisation (default 1: pixels in [0, 1])
     *  @return this builder */
    public Builder optInputScale(float v) {
      if (!(v > 0) || !Float.isFinite(v)) throw new IllegalArgumentException("input scale: " + v + " (need > 0)");
      this.inputScale = v;
      return this;
    }

    /** @param v the model's channel order (default RGB; only meaningful for 3 channels)
     *  @return this builder */
    public Builder optChannelOrder(ChannelOrder v) { this.channelOrder = v; return this; }

    /** Per-channel means (one value is used for every channel). */
    public Builder optMean(float... v) { this.mean = perChannel(v, "mean"); return this; }

    /** Per-channel standard deviations (one value is used for every channel). */
    public Builder optStd(float... v) {
      float[] s = perChannel(v, "std");
      for (float x : s) if (!(x > 0)) throw new IllegalArgumentException("std: " + x + " (need > 0)");
      this.std = s;
      return this;
    }

    private float[] perChannel(float[] v, String name) {
      if (v.length == 1) {
        float[] out = new float[channels];
        Arrays.fill(out, v[0]);
        return out;
      }
      if (v.length != channels) throw new IllegalArgumentException(name + ": " + v.length + " values for " + channels + " channels");
      return v.clone();
    }

    public Preprocessing build() {
      return new Preprocessing(this);
    }
  }
}
