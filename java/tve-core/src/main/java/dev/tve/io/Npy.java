package dev.tve.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0 to 3.0; dtypes {@code <f4},
 * {@code <i4}, {@code <i8}; C order only). Malformed files (wrong magic, dtype or order, a bad
 * header or shape, truncated data) are a {@link NpyFormatException} naming the file and the
 * reason. Writes go to a temporary file in the same folder, then an atomic rename: a reader never
 * sees a half-written file.
 *
 * <pre>{@code
 * NpyArray w = Npy.read(Path.of("w.npy"));
 * Npy.write(Path.of("maps.npy"), NpyArray.ofFloats(maps, b, k, g, g));
 * }</pre>
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  private static final long MAX_BYTES = Integer.MAX_VALUE;  // one direct buffer

  private Npy() {}

  /** Reads a whole {@code .npy} file. */
  public static NpyArray read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, pre, file, "the 10-byte preamble");
      pre.flip();
      for (byte m : MAGIC) {
        if (pre.get() != m) throw new NpyFormatException(file, "not a .npy file (wrong magic string)");
      }
      int major = pre.get() & 0xff;
      pre.get();  // minor version
      long headerLen;
      if (major == 1) {
        headerLen = pre.getShort() & 0xffff;
      } else if (major == 2 || major == 3) {
        ByteBuffer more = ByteBuffer.allocate(2);
        readFully(ch, more, file, "the header length");
        more.flip();
        headerLen = (pre.getShort() & 0xffffL) | ((more.getShort() & 0xffffL) << 16);
        headerLen = Integer.toUnsignedLong((int) headerLen);
      } else {
        throw new NpyFormatException(file, "unsupported .npy format version " + major);
      }
      if (headerLen > 1 << 20) throw new NpyFormatException(file, "header length " + headerLen + " is implausible");
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, file, "the header (" + headerLen + " bytes)");
      String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

      Matcher d = DESCR.matcher(header);
      if (!d.find()) throw new NpyFormatException(file, "header has no 'descr': " + header.trim());
      NpyArray.DType dtype = NpyArray.DType.ofDescr(d.group(1));
      if (dtype == null) {
        throw new NpyFormatException(file, "dtype '" + d.group(1) + "' is not served (need '<f4' float32, '<i4' or '<i8')");
      }
      Matcher o = ORDER.matcher(header);
      if (!o.find()) throw new NpyFormatException(file, "header has no 'fortran_order': " + header.trim());
      if (o.group(1).equals("True")) throw new NpyFormatException(file, "Fortran order; write it in C order (np.ascontiguousarray)");
      Matcher s = SHAPE.matcher(header);
      if (!s.find()) throw new NpyFormatException(file, "header has no 'shape': " + header.trim());
      long[] shape = parseShape(s.group(1), file);

      long count;
      try {
        count = NpyArray.count(shape);
      } catch (ArithmeticException e) {
        throw new NpyFormatException(file, "shape overflows");
      }
      long bytes = count * dtype.bytes;
      if (bytes > MAX_BYTES) throw new NpyFormatException(file, bytes + " bytes of data exceed the 2 GiB served");
      long dataStart = ch.position();
      if (fileSize - dataStart < bytes) {
        throw new NpyFormatException(file, "truncated: shape " + java.util.Arrays.toString(shape) + " needs " + bytes
            + " bytes of data, the file has " + (fileSize - dataStart));
      }
      ByteBuffer data = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, data, file, "the data");
      data.flip();
      return new NpyArray(dtype, shape, data);
    }
  }

  private static long[] parseShape(String text, Path file) throws NpyFormatException {
    List<Long> dims = new ArrayList<>();
    for (String part : text.split(",")) {
      String t = part.trim();
      if (t.isEmpty()) continue;
      try {
        long v = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
        if (v < 0) throw new NpyFormatException(file, "negative dimension in shape (" + text + ")");
        dims.add(v);
      } catch (NumberFormatException e) {
        throw new NpyFormatException(file, "bad shape (" + text + ")");
      }
    }
    long[] out = new long[dims.size()];
    for (int i = 0; i < out.length; i++) out[i] = dims.get(i);
    return out;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, Path file, String what) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) throw new NpyFormatException(file, "truncated while reading " + what);
    }
  }

  /** Writes an array as a version 1.0 {@code .npy} file, atomically (temp file, then rename). */
  public static void write(Path file, NpyArray array) throws IOException {
    long[] dims = array.shape();
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < dims.length; i++) joined.append(i == 0 ? "" : ", ").append(dims[i]);
    String shape = dims.length == 1 ? "(" + dims[0] + ",)" : "(" + joined + ")";
    String dict = "{'descr': '" + array.dtype().descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = MAGIC.length + 4 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer pre = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
    pre.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    pre.put(header.getBytes(StandardCharsets.ISO_8859_1)).flip();

    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) Files.createDirectories(dir);
    Path tmp = Files.createFile(AtomicFiles.tempFor(dir == null ? file : dir.resolve(file.getFileName())));
    AtomicFiles.readableByAll(tmp);  // temp files start 0600; outputs are ordinary files
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        while (pre.hasRemaining()) ch.write(pre);
        ByteBuffer data = array.bytes();
        while (data.hasRemaining()) ch.write(data);
        // No fsync: temp and rename keep a killed process from leaving half a file, as for every output;
        // surviving a power cut would need an fsync of every file and folder (a third of a batch run's
        // writing time here), which no output of the engine promises.
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
