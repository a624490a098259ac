package dev.tve.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A batch of preprocessed images [B, C, H, W] in one direct buffer (so libtorch reads it without a
 * copy), with the files it came from and the files that failed.
 *
 * <pre>{@code
 * ImageBatch batch = reader.read(paths);
 * Tensor x = batch.tensor();   // zero-copy: holds the batch's memory as long as libtorch needs it
 * batch.failures().forEach(f -> log.warn(f.getMessage()));
 * }</pre>
 *
 * Not thread-safe to fill; safe to read from many threads once built.
 */
public final class ImageBatch {
  private final FloatBuffer data;
  private final int channels;
  private final int height;
  private final int width;
  private final List<Path> files;
  private final List<ImageDataException> failures;

  ImageBatch(FloatBuffer data, int channels, int height, int width, List<Path> files, List<ImageDataException> failures) {
    this.data = data;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.files = List.copyOf(files);
    this.failures = List.copyOf(failures);
  }

  /**
   * A direct, native-order buffer for {@code batch} images of the given shape: what libtorch reads
   * without a copy ({@code dev.tve.explain.Images#of(FloatBuffer, int, int, int)}).
   */
  public static FloatBuffer allocate(int batch, int channels, int height, int width) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(4 * batch, channels * height * width))
        .order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** Images in the batch (files that decoded). */
  public int size() { return files.size(); }
  public int channels() { return channels; }
  public int height() { return height; }
  public int width() { return width; }
  /** The files of the batch's images, in order. */
  public List<Path> files() { return files; }
  /** Files that could not be used, each naming the file and the reason. */
  public List<ImageDataException> failures() { return failures; }

  /** The data [B, C, H, W] (a read-only view). */
  public FloatBuffer data() {
    return data.asReadOnlyBuffer();
  }

  /** The batch as a CPU float32 tensor [B, C, H, W] sharing this batch's memory (kept alive as long as the tensor's storage). */
  public Tensor tensor() {
    return NativeTensors.view(data, size(), channels, height, width);
  }
}
