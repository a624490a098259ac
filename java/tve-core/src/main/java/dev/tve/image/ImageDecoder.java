package dev.tve.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_ANYCOLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_ANYDEPTH;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes any file OpenCV reads (PNG, JPEG, BMP, TIFF, WebP, ...; 8- or 16-bit; gray, RGB or RGBA)
 * into a {@link DecodedImage}: floats in [0, 1], RGB order (OpenCV decodes BGR), EXIF orientation
 * applied, alpha dropped. Empty, non-image, corrupt, truncated and over-large files (more pixels
 * than {@link Builder#optMaxPixels}, checked from the header before any pixel is decoded: a
 * decompression-bomb guard) are an {@link ImageDataException} naming the file and the reason.
 *
 * <pre>{@code
 * ImageDecoder decoder = ImageDecoder.builder().optMaxPixels(50_000_000).build();
 * DecodedImage img = decoder.decode(Path.of("cat.jpg"));
 * }</pre>
 *
 * Stateless; one decoder may be shared between threads (each call scopes its native memory).
 */
public final class ImageDecoder {
  static {
    OpenCvEnvironment.apply();          // OpenCV's pixel cap and silence, before its libraries load
  }

  private final long maxPixels;
  private final long maxBytes;

  private ImageDecoder(Builder b) {
    this.maxPixels = b.maxPixels;
    this.maxBytes = b.maxBytes;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A decoder with the default limits (64 Mpixel, 256 MiB). */
  public static ImageDecoder create() {
    return builder().build();
  }

  public long maxPixels() { return maxPixels; }

  /** Decodes a file. */
  public DecodedImage decode(Path file) throws IOException {
    return decode(read(file), file);
  }

  /**
   * A file's bytes, bounded before they are read: only a regular file (links followed), never a
   * FIFO, socket or device (reading one could block forever or never end), not empty, and at most
   * {@link Builder#optMaxBytes the byte limit} (a file that grows while it is read is cut off there and refused).
   *
   * @param file the file
   * @return its bytes
   * @throws ImageDataException naming the file and the reason it is not read
   * @throws IOException when reading fails
   */
  public byte[] read(Path file) throws IOException {
    java.nio.file.attribute.BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new ImageDataException(file, "no such file");
    }
    if (a.isDirectory()) throw new ImageDataException(file, "a folder, not an image file");
    if (!a.isRegularFile()) throw new ImageDataException(file, "not a regular file (a FIFO, socket or device); not read");
    if (a.size() == 0) throw new ImageDataException(file, "empty file");
    if (a.size() > maxBytes) throw new ImageDataException(file, "file of " + a.size() + " bytes is over the limit of " + maxBytes);
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    }
    if (bytes.length > maxBytes) throw new ImageDataException(file, "file grew past the limit of " + maxBytes + " bytes while read");
    if (bytes.length == 0) throw new ImageDataException(file, "empty file");
    return bytes;
  }

  /** @return the largest file, in bytes, this decoder reads */
  public long maxBytes() { return maxBytes; }

  /** Decodes bytes already read; {@code name} is what errors call them. */
  public DecodedImage decode(byte[] bytes, Path name) throws ImageDataException {
    if (bytes.length == 0) throw new ImageDataException(name, "empty file");
    ImageHeader header = ImageHeader.sniff(bytes);
    if (header.pixels() > maxPixels) {
      throw new ImageDataException(name, header.format() + " of " + header.width() + " x " + header.height() + " = "
          + header.pixels() + " pixels is over the limit of " + maxPixels + " (decompression-bomb guard)");
    }
    try (PointerScope scope = new PointerScope()) {
      Mat buf = new Mat(1, bytes.length, CV_8U, new BytePointer(bytes));
      // ANYDEPTH keeps 16-bit data; ANYCOLOR keeps gray as gray; neither is UNCHANGED, so OpenCV
      // applies the EXIF orientation.
      Mat img;
      try {
        img = imdecode(buf, IMREAD_ANYDEPTH | IMREAD_ANYCOLOR);
      } catch (RuntimeException e) {
        // OpenCV checks the size its decoder read (whatever our sniffing saw) against its cap before decoding.
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains("CV_IO_MAX_IMAGE_PIXELS") || m.contains("validateInputImageSize")) {
          throw new ImageDataException(name, "its decoder reads a size over the limit of " + OpenCvEnvironment.maxPixels()
              + " pixels (decompression-bomb guard; the header says " + (header == ImageHeader.UNKNOWN ? "nothing readable" : header.width() + " x "
              + header.height()) + ")");
        }
        throw new ImageDataException(name, "cannot be decoded (" + m.lines().findFirst().orElse(e.getClass().getSimpleName()) + ")");
      }
      if (img == null || img.empty()) {
        String why = header == ImageHeader.UNKNOWN ? "not an image OpenCV can read" : "corrupt or truncated " + header.format();
        throw new ImageDataException(name, why);
      }
      if ((long) img.cols() * img.rows() > maxPixels) {
        throw new ImageDataException(name, img.cols() + " x " + img.rows() + " pixels is over the limit of " + maxPixels);
      }
      int depth = img.depth();
      int bits = depth == CV_16U ? 16 : depth == CV_8U ? 8 : 32;
      double scale = depth == CV_16U ? 1.0 / 65535 : depth == CV_8U ? 1.0 / 255 : 1.0;
      Mat f = new Mat();
      img.convertTo(f, CV_32F, scale, 0);
      Mat rgb = f;
      int channels = f.channels();
      if (channels == 3) {
        rgb = new Mat();
        cvtColor(f, rgb, COLOR_BGR2RGB);
      } else if (channels == 4) {
        rgb = new Mat();
        cvtColor(f, rgb, COLOR_BGRA2RGB);
        channels = 3;
      } else if (channels != 1) {
        throw new ImageDataException(name, channels + " channels are not served (need gray, RGB or RGBA)");
      }
      float[] px = new float[rgb.rows() * rgb.cols() * channels];
      FloatBuffer fb = rgb.isContinuous() ? rgb.createBuffer() : rgb.clone().createBuffer();
      fb.get(px);
      return new DecodedImage(rgb.cols(), rgb.rows(), channels, px, header.format(), bits);
    }
  }

  /** Builder of {@link ImageDecoder}. */
  public static final class Builder {
    private long maxPixels = 64L << 20;
    private long maxBytes = 256L << 20;

    private Builder() {}

    /** The most pixels (width x height) an image may have (default 64 Mi). */
    public Builder optMaxPixels(long v) {
      if (v < 1) throw new IllegalArgumentException("maxPixels: " + v);
      this.maxPixels = v;
      return this;
    }

    /** The largest file read (default 256 MiB). */
    public Builder optMaxBytes(long v) {
      if (v < 1) throw new IllegalArgumentException("maxBytes: " + v);
      this.maxBytes = v;
      return this;
    }

    public ImageDecoder build() {
      return new ImageDecoder(this);
    }
  }
}
