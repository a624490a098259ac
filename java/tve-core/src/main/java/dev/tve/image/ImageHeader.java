package dev.tve.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Format and pixel size read from an image file's first bytes, before any decoding: the
 * decompression-bomb guard needs the size without allocating the pixels. Knows PNG, JPEG, BMP,
 * GIF, WebP and TIFF; other files give {@link #UNKNOWN} and are left to the decoder.
 */
public record ImageHeader(String format, long width, long height) {
  public static final ImageHeader UNKNOWN = new ImageHeader("unknown", -1, -1);

  public long pixels() {
    return width < 0 ? -1 : width * height;
  }

  /** Reads the header from the start of a file (the whole file, or at least its first 64 KiB). */
  public static ImageHeader sniff(byte[] b) {
    try {
      if (b.length >= 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        return new ImageHeader("png", bb.getInt(16) & 0xffffffffL, bb.getInt(20) & 0xffffffffL);
      }
      if (b.length >= 4 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) return jpeg(b);
      if (b.length >= 26 && b[0] == 'B' && b[1] == 'M') {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new ImageHeader("bmp", Math.abs((long) bb.getInt(18)), Math.abs((long) bb.getInt(22)));
      }
      if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new ImageHeader("gif", bb.getShort(6) & 0xffff, bb.getShort(8) & 0xffff);
      }
      if (b.length >= 30 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
          && b[10] == 'B' && b[11] == 'P') {
        return webp(b);
      }
      if (b.length >= 8 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
        return tiff(b);
      }
    } catch (IndexOutOfBoundsException e) {
      return UNKNOWN;  // a header cut short: the decoder will say what is wrong
    }
    return UNKNOWN;
  }

  private static ImageHeader jpeg(byte[] b) {
    int i = 2;
    while (i + 9 < b.length) {
      if ((b[i] & 0xff) != 0xff) return UNKNOWN;
      int marker = b[i + 1] & 0xff;
      if (marker == 0xff) {  // fill byte
        i++;
        continue;
      }
      int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
      boolean sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (sof) {
        long h = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff);
        long w = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
        return new ImageHeader("jpeg", w, h);
      }
      i += 2 + len;
    }
    return new ImageHeader("jpeg", -1, -1);
  }

  private static ImageHeader webp(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
    switch (chunk) {
      case "VP8 ":
        return new ImageHeader("webp", bb.getShort(26) & 0x3fff, bb.getShort(28) & 0x3fff);
      case "VP8L": {
        int bits = bb.getInt(21);
        return new ImageHeader("webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
      }
      case "VP8X": {
        long w = 1 + ((b[24] & 0xff) | (b[25] & 0xff) << 8 | (b[26] & 0xff) << 16);
        long h = 1 + ((b[27] & 0xff) | (b[28] & 0xff) << 8 | (b[29] & 0xff) << 16);
        return new ImageHeader("webp", w, h);
      }
      default:
        return new ImageHeader("webp", -1, -1);
    }
  }

  private static ImageHeader tiff(byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b).order(b[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    int ifd = bb.getInt(4);
    int n = bb.getShort(ifd) & 0xffff;
    long w = -1, h = -1;
    for (int e = 0; e < n; e++) {
      int at = ifd + 2 + 12 * e;
      int tag = bb.getShort(at) & 0xffff, type = bb.getShort(at + 2) & 0xffff;
      long v = type == 3 ? bb.getShort(at + 8) & 0xffff : bb.getInt(at + 8) & 0xffffffffL;
      if (tag == 256) w = v;
      if (tag == 257) h = v;
    }
    return new ImageHeader("tiff", w, h);
  }
}
