package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.javacpp.indexer.UShortIndexer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  static {
    OpenCvEnvironment.apply();            // this class writes images with OpenCV before it decodes any
  }

  private final ImageDecoder decoder = ImageDecoder.create();

  /** A 6 x 4 BGR image: (0,0) red, (0,5) green, (3,0) blue, rest black. */
  static Mat asymmetric() {
    return asymmetric(1);
  }

  /** The same with every pixel a block x block square (JPEG needs 8 x 8 blocks to keep colours). */
  static Mat asymmetric(int block) {
    Mat m = new Mat(4 * block, 6 * block, CV_8UC3);
    UByteIndexer ix = m.createIndexer();
    for (int y = 0; y < 4 * block; y++) {
      for (int x = 0; x < 6 * block; x++) {
        int by = y / block, bx = x / block;
        ix.put(y, x, 0, by == 3 && bx == 0 ? 255 : 0);  // BGR: blue
        ix.put(y, x, 1, by == 0 && bx == 5 ? 255 : 0);  // green
        ix.put(y, x, 2, by == 0 && bx == 0 ? 255 : 0);  // red
      }
    }
    ix.close();
    return m;
  }

  static byte[] encode(Mat m, String ext, int... params) {
    try (BytePointer buf = new BytePointer()) {
      org.bytedeco.javacpp.IntPointer p = new org.bytedeco.javacpp.IntPointer(params);
      assertThat(opencv_imgcodecs.imencode(ext, m, buf, p)).as("encode %s", ext).isTrue();
      byte[] out = new byte[(int) buf.limit()];
      buf.get(out);
      return out;
    }
  }

  @Test
  void decodesEveryFormatInRgbOrder(@TempDir Path dir) throws IOException {
    Object[][] formats = {{".png", new int[0]}, {".bmp", new int[0]}, {".tiff", new int[0]},
        {".webp", new int[] {opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 101}}, {".jpg", new int[] {opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 100}}};
    for (Object[] f : formats) {
      boolean jpeg = f[0].equals(".jpg");
      int k = jpeg ? 8 : 1;  // lossy JPEG: 8 x 8 blocks of colour, checked at their centres
      Path file = Files.write(dir.resolve("img" + f[0]), encode(asymmetric(k), (String) f[0], (int[]) f[1]));
      DecodedImage img = decoder.decode(file);
      float tol = jpeg ? 0.1f : 1e-6f;
      int c = k / 2;
      assertThat(img.width()).as("%s", f[0]).isEqualTo(6 * k);
      assertThat(img.height()).isEqualTo(4 * k);
      assertThat(img.channels()).isEqualTo(3);
      assertThat(img.get(c, c, 0)).as("%s red", f[0]).isCloseTo(1f, within(tol));
      assertThat(img.get(c, c, 2)).as("%s red has no blue", f[0]).isCloseTo(0f, within(tol));
      assertThat(img.get(3 * k + c, c, 2)).as("%s blue", f[0]).isCloseTo(1f, within(tol));
      assertThat(img.get(c, 5 * k + c, 1)).as("%s green", f[0]).isCloseTo(1f, within(tol));
      assertThat(ImageHeader.sniff(Files.readAllBytes(file)).width()).as("%s header", f[0]).isEqualTo(6 * k);
    }
  }

  @Test
  void sixteenBitGrayAndRgbaAreServed(@TempDir Path dir) throws IOException {
    Mat g = new Mat(2, 3, CV_16UC1);
    UShortIndexer gi = g.createIndexer();
    for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) gi.put(y, x, 1000 * (y * 3 + x));
    gi.close();
    DecodedImage gray = decoder.decode(Files.write(dir.resolve("g16.png"), encode(g, ".png")));
    assertThat(gray.channels()).isEqualTo(1);
    assertThat(gray.bitDepth()).isEqualTo(16);
    assertThat(gray.get(1, 2, 0)).isCloseTo(5000f / 65535, within(1e-6f));

    Mat rgba = new Mat(2, 2, CV_8UC4);
    UByteIndexer ri = rgba.createIndexer();
    for (int y = 0; y < 2; y++) for (int x = 0; x < 2; x++) {
      ri.put(y, x, 0, 10);
      ri.put(y, x, 1, 20);
      ri.put(y, x, 2, 30);
      ri.put(y, x, 3, 128);
    }
    ri.close();
    DecodedImage rgb = decoder.decode(Files.write(dir.resolve("rgba.png"), encode(rgba, ".png")));
    assertThat(rgb.channels()).isEqualTo(3);
    assertThat(rgb.get(0, 0, 0)).isCloseTo(30 / 255f, within(1e-6f));  // R was last in BGRA
  }

  @Test
  void exifOrientationIsApplied(@TempDir Path dir) throws IOException {
    byte[] jpeg = encode(asymmetric(8), ".jpg", opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 100);
    // APP1 Exif with Orientation = 6 (rotate 90 degrees clockwise to display), after SOI.
    byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
    byte[] exif = new byte[2 + 2 + 6 + tiff.length];
    exif[0] = (byte) 0xff;
    exif[1] = (byte) 0xe1;
    int len = 2 + 6 + tiff.length;
    exif[2] = (byte) (len >> 8);
    exif[3] = (byte) len;
    System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 4, 6);
    System.arraycopy(tiff, 0, exif, 10, tiff.length);
    byte[] withExif = new byte[jpeg.length + exif.length];
    System.arraycopy(jpeg, 0, withExif, 0, 2);
    System.arraycopy(exif, 0, withExif, 2, exif.length);
    System.arraycopy(jpeg, 2, withExif, 2 + exif.length, jpeg.length - 2);
    DecodedImage img = decoder.decode(Files.write(dir.resolve("rotated.jpg"), withExif));
    assertThat(img.width()).isEqualTo(32);
    assertThat(img.height()).isEqualTo(48);
    // Rotated 90 degrees clockwise: the red top-left block goes to the top-right, blue to top-left.
    assertThat(img.get(4, 28, 0)).isGreaterThan(0.9f);
    assertThat(img.get(4, 4, 2)).isGreaterThan(0.9f);
  }

  /**
   * A JPEG whose SOF says 30000 x 30000, with one stray byte before the SOF marker: the header sniffing
   * stops at the stray byte, libjpeg skips it ("extraneous bytes before marker") and would decode 900
   * Mpixels (2.97 GB peak before the fix). The cap is checked against the size the decoder read.
   */
  static byte[] strayByteJpeg() {
    byte[] jpeg;
    try (Mat m = new Mat(8, 8, org.bytedeco.opencv.global.opencv_core.CV_8UC1, new org.bytedeco.opencv.opencv_core.Scalar(128, 0, 0, 0));
        BytePointer buf = new BytePointer()) {
      opencv_imgcodecs.imencode(".jpg", m, buf);
      jpeg = new byte[(int) buf.limit()];
      buf.get(jpeg);
    }
    int sof = -1;
    for (int i = 2; i + 1 < jpeg.length; i++) if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xc0) { sof = i; break; }
    assertThat(sof).isPositive();
    jpeg[sof + 5] = (byte) (30000 >> 8);
    jpeg[sof + 6] = (byte) (30000 & 0xff);
    jpeg[sof + 7] = (byte) (30000 >> 8);
    jpeg[sof + 8] = (byte) (30000 & 0xff);
    byte[] out = new byte[jpeg.length + 1];
    System.arraycopy(jpeg, 0, out, 0, sof);
    out[sof] = 0x00;                                            // the stray byte
    System.arraycopy(jpeg, sof, out, sof + 1, jpeg.length - sof);
    return out;
  }

  @Test
  void aStrayByteBeforeTheSofMarkerDoesNotGetADecompressionBombPastTheGuard(@TempDir Path dir) throws IOException {
    byte[] bomb = strayByteJpeg();
    assertThat(ImageHeader.sniff(bomb)).isEqualTo(ImageHeader.UNKNOWN);      // what let it through before
    Path f = dir.resolve("bomb.jpg");
    Files.write(f, bomb);
    long before = Runtime.getRuntime().totalMemory();
    assertThatThrownBy(() -> ImageDecoder.create().decode(f)).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("bomb.jpg").hasMessageContaining("its decoder reads a size over the limit").hasMessageContaining("decompression-bomb");
    assertThat(Runtime.getRuntime().totalMemory() - before).isLessThan(64L << 20);
  }

  @Test
  void badFilesGetATypedErrorNamingTheFileAndTheReason(@TempDir Path dir) throws IOException {
    Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
    assertThatThrownBy(() -> decoder.decode(empty)).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("empty.png").hasMessageContaining("empty");
    Path text = Files.writeString(dir.resolve("notes.jpg"), "these are not pixels");
    assertThatThrownBy(() -> decoder.decode(text)).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("notes.jpg").hasMessageContaining("not an image");
    byte[] png = encode(asymmetric(), ".png");
    Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
    assertThatThrownBy(() -> decoder.decode(cut)).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("cut.png").hasMessageContaining("corrupt or truncated png");
    // A header claiming 100,000 x 100,000 pixels is refused before any decoding.
    byte[] bomb = Arrays.copyOf(png, png.length);
    java.nio.ByteBuffer.wrap(bomb).putInt(16, 100_000).putInt(20, 100_000);
    Path big = Files.write(dir.resolve("bomb.png"), bomb);
    assertThatThrownBy(() -> decoder.decode(big)).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("bomb.png").hasMessageContaining("10000000000 pixels").hasMessageContaining("decompression-bomb");
    ImageDecoder tiny = ImageDecoder.builder().optMaxPixels(10).build();
    Path ok = Files.write(dir.resolve("ok.png"), png);
    assertThatThrownBy(() -> tiny.decode(ok)).isInstanceOf(ImageDataException.class).hasMessageContaining("over the limit of 10");
    assertThatThrownBy(() -> decoder.decode(dir.resolve("missing.png"))).isInstanceOf(ImageDataException.class)
        .hasMessageContaining("no such file");
  }

  @Test
  void batchesSkipBadFilesAndBecomeZeroCopyTensors(@TempDir Path dir) throws IOException {
    Mat m = asymmetric();
    Path a = Files.write(dir.resolve("a.png"), encode(m, ".png"));
    Path bad = Files.writeString(dir.resolve("bad.png"), "nope");
    Path b = Files.write(dir.resolve("b.bmp"), encode(m, ".bmp"));
    Preprocessing p = Preprocessing.builder(4, 6, 3).optMean(0.5f).optStd(0.25f).build();
    ImageBatch batch = new ImageBatchReader(decoder, p).read(List.of(a, bad, b));
    assertThat(batch.size()).isEqualTo(2);
    assertThat(batch.files()).containsExactly(a, b);
    assertThat(batch.failures()).hasSize(1);
    assertThat(batch.failures().get(0).file()).isEqualTo(bad);
    Tensor t = batch.tensor();
    assertThat(t.sizes().vec().get()).containsExactly(2, 3, 4, 6);
    // image 1, channel R, (0, 0): (1 - 0.5) / 0.25 = 2
    assertThat(t.data_ptr_float().get(p.size() + 0)).isEqualTo(2f);
    assertThat(batch.data().get(p.size() + 1)).isEqualTo(-2f);  // (0 - 0.5) / 0.25
  }

  @Test
  void preprocessingConvertsChannelsResizesAndCrops() {
    float[] px = new float[4 * 8];  // gray 8 wide x 4 high: columns 2..5 lit
    for (int y = 0; y < 4; y++) for (int x = 2; x < 6; x++) px[y * 8 + x] = 1f;
    DecodedImage img = new DecodedImage(8, 4, 1, px, "test", 8);
    float[] crop = Preprocessing.builder(4, 4, 3).optResize(Preprocessing.Resize.CENTER_CROP).build().apply(img);
    for (float v : crop) assertThat(v).isEqualTo(1f);  // the centre 4 columns, replicated to RGB
    float[] half = Preprocessing.builder(2, 4, 1).build().apply(img);
    assertThat(half).containsExactly(0f, 1f, 1f, 0f, 0f, 1f, 1f, 0f);
  }
}
