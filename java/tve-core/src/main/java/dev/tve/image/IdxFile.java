package dev.tve.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST / Fashion-MNIST format): unsigned-byte tensors of any rank, gzipped
 * ({@code .gz}, detected by its magic bytes) or plain. Images are [N, rows, cols], labels [N].
 *
 * <pre>{@code
 * IdxFile images = IdxFile.read(Path.of("train-images-idx3-ubyte.gz"));   // shape [60000, 28, 28]
 * int pixel = images.get(7, 14, 3);                                         // 0..255
 * }</pre>
 *
 * Immutable after reading; may be shared between threads.
 */
public final class IdxFile {
  /** The largest file served: the whole tensor is held in one array. */
  public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private final Path source;
  private final int[] shape;
  private final byte[] data;

  private IdxFile(Path source, int[] shape, byte[] data) {
    this.source = source;
    this.shape = shape;
    this.data = data;
  }

  /**
   * Reads a whole IDX file of unsigned bytes.
   *
   * @throws ImageDataException naming the file and the reason when it is malformed or truncated
   */
  public static IdxFile read(Path file) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      raw.mark(2);
      int b0 = raw.read(), b1 = raw.read();
      raw.reset();
      boolean gz = b0 == 0x1f && b1 == 0x8b;
      try (DataInputStream in = new DataInputStream(gz ? new BufferedInputStream(new GZIPInputStream(raw), 1 << 16) : raw)) {
        int magic;
        try {
          magic = in.readInt();
        } catch (EOFException e) {
          throw new ImageDataException(file, "empty or shorter than the 4-byte IDX magic");
        }
        if ((magic >>> 16) != 0) throw new ImageDataException(file, String.format("not an IDX file (magic 0x%08x)", magic));
        int type = (magic >>> 8) & 0xff, rank = magic & 0xff;
        if (type != 0x08) {
          throw new ImageDataException(file, String.format("IDX element type 0x%02x is not served (need 0x08, unsigned byte)", type));
        }
        if (rank < 1 || rank > 4) throw new ImageDataException(file, "IDX rank " + rank + " (need 1 to 4)");
        int[] shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
          shape[i] = in.readInt();
          if (shape[i] < 0) throw new ImageDataException(file, "negative dimension " + shape[i]);
          count *= shape[i];
          if (count > MAX_BYTES) throw new ImageDataException(file, "shape " + Arrays.toString(shape) + " is larger than served");
        }
        byte[] data = new byte[(int) count];
        try {
          in.readFully(data);
        } catch (EOFException e) {
          throw new ImageDataException(file, "truncated: shape " + Arrays.toString(shape) + " needs " + count + " bytes of data");
        }
        return new IdxFile(file, shape, data);
      } catch (java.util.zip.ZipException e) {
        throw new ImageDataException(file, "corrupt gzip stream (" + e.getMessage() + ")");
      }
    }
  }

  /** Where it was read from. */
  public Path source() { return source; }
  /** Its shape (a copy). */
  public int[] shape() { return shape.clone(); }
  /** Items: the first dimension. */
  public int count() { return shape[0]; }
  /** Bytes per item: the product of the other dimensions. */
  public int itemSize() { return data.length / Math.max(1, shape[0]); }

  /** The unsigned value at the given index (one index per dimension). */
  public int get(int... index) {
    if (index.length != shape.length) throw new IllegalArgumentException("index rank " + index.length + ", file rank " + shape.length);
    int flat = 0;
    for (int i = 0; i < shape.length; i++) {
      if (index[i] < 0 || index[i] >= shape[i]) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + Arrays.toString(shape));
      }
      flat = flat * shape[i] + index[i];
    }
    return data[flat] & 0xff;
  }

  /** The unsigned value at a flat (row-major) index, unchecked beyond the array bounds. */
  int at(int flat) {
    return data[flat] & 0xff;
  }

  /** Item {@code i} as unsigned values 0..255 (a copy). */
  public int[] item(int i) {
    int n = itemSize();
    int[] out = new int[n];
    for (int j = 0; j < n; j++) out[j] = data[i * n + j] & 0xff;
    return out;
  }

  /** Item {@code i}'s raw bytes copied into {@code dst} at {@code offset}. */
  public void copyItem(int i, byte[] dst, int offset) {
    System.arraycopy(data, i * itemSize(), dst, offset, itemSize());
  }
}
