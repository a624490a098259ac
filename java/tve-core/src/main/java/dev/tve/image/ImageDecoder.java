package dev.tve.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_ANYCOLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_ANYDEPTH;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.tve.runtime.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

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
  /** The default long side images are shrunk to: what an overlay shows at most. */
  public static final int DEFAULT_MAX_SIDE = 1024;

  static {
    OpenCvEnvironment.apply();          // OpenCV's pixel cap and silence, before its libraries load
  }

  private final long maxPixels;
  private final long maxBytes;
  private final int maxSide;

  private ImageDecoder(Builder b) {
    this.maxPixels = b.maxPixels;
    this.maxBytes = b.maxBytes;
    this.maxSide = b.maxSide;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A decoder with the default limits (64 Mpixel, 256 MiB, images shrunk to a long side of 1024 px). */
  public static ImageDecoder create() {
    return builder().build();
  }

  public long maxPixels() { return maxPixels; }

  /**
   * Decodes a file. Its bytes go to native memory, not the Java heap, and a large image is shrunk
   * natively before it becomes Java floats ({@link Builder#optMaxSide}): a phone photo costs the heap
   * what a 1024 px image does.
   */
  public DecodedImage decode(Path file) throws IOException {
    try (PointerScope scope = new PointerScope()) {
      long size = checkFile(file);
      BytePointer data = new BytePointer(size);
      long got = 0;
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
        java.nio.ByteBuffer into = data.asBuffer();
        while (into.hasRemaining()) {
          int n = ch.read(into);
          if (n < 0) break;
          got += n;
        }
        if (!into.hasRemaining() && ch.read(java.nio.ByteBuffer.allocate(1)) > 0) {
          throw new ImageDataException(file, "file grew while read (over its size of " + size + " bytes)");
        }
      }
      if (got == 0) throw new ImageDataException(file, "empty file");
      return decode(data, got, file);
    }
  }

  /** The checks of {@link #read} before any byte is read; returns the file's size. */
  private long checkFile(Path file) throws IOException {
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
    return a.size();
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
    checkFile(file);
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
    try (PointerScope scope = new PointerScope()) {
      return decode(new BytePointer(bytes), bytes.length, name);
    }
  }

  /** Decodes {@code length} encoded bytes in native memory (in the caller's scope). */
  private DecodedImage decode(BytePointer data, long length, Path name) throws ImageDataException {
    if (length > Integer.MAX_VALUE) throw new ImageDataException(name, "file of " + length + " bytes is over what OpenCV decodes");
    // The header is in the first bytes (a JPEG's size marker follows its EXIF segments: 1 MiB covers them).
    byte[] head = new byte[(int) Math.min(length, 1 << 20)];
    data.position(0).get(head);
    ImageHeader header = ImageHeader.sniff(head);
    if (header.pixels() > maxPixels) {
      throw new ImageDataException(name, header.format() + " of " + header.width() + " x " + header.height() + " = "
          + header.pixels() + " pixels is over the limit of " + maxPixels + " (decompression-bomb guard)");
    }
    // Without OpenCV's own cap, only the header bounds what the decoder allocates: no readable size, no decode.
    String noCap = OpenCvEnvironment.capProblem();
    if (noCap != null && header == ImageHeader.UNKNOWN) {
      throw new ImageDataException(name, "its decoded size cannot be bounded before decoding (no size readable from its header, and OpenCV's "
          + "pixel cap is not in force: " + noCap + "); not decoded (decompression-bomb guard)");
    }
    {
      Mat buf = new Mat(1, (int) length, CV_8U, data);
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
      // Shrunk in native memory before anything reaches the Java heap (area averaging, as a photo is shrunk).
      int longSide = Math.max(img.cols(), img.rows());
      if (maxSide > 0 && longSide > maxSide) {
        double f = (double) maxSide / longSide;
        Mat small = new Mat();
        resize(img, small, new Size(Math.max(1, (int) Math.round(img.cols() * f)), Math.max(1, (int) Math.round(img.rows() * f))), 0, 0, INTER_AREA);
        img = small;
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
    private int maxSide = Settings.integer("tve.image.maxSide", DEFAULT_MAX_SIDE);

    private Builder() {
      if (maxSide < 0) throw new IllegalArgumentException("tve.image.maxSide: " + maxSide);
    }

    /**
     * Images whose long side is larger are shrunk to it in native memory (area averaging) before they
     * become Java floats; 0 keeps every image at full size (default: setting {@code tve.image.maxSide} /
     * {@code TVE_IMAGE_MAX_SIDE}, else 1024, the overlays' largest side). What the model sees of a
     * larger image is then its 1024 px copy resized to the model's input.
     */
    public Builder optMaxSide(int v) {
      if (v < 0) throw new IllegalArgumentException("maxSide: " + v);
      this.maxSide = v;
      return this;
    }

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
