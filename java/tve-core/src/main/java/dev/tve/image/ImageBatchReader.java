package dev.tve.image;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes and preprocesses files into {@link ImageBatch}es. A file that cannot be used is reported
 * in {@link ImageBatch#failures()} (file and reason) and skipped; the rest of the batch goes on.
 *
 * <pre>{@code
 * ImageBatchReader reader = new ImageBatchReader(ImageDecoder.create(), preprocessing);
 * ImageBatch batch = reader.read(List.of(Path.of("a.png"), Path.of("b.jpg")));
 * }</pre>
 *
 * Stateless; may be shared between threads.
 */
public final class ImageBatchReader {
  private final ImageDecoder decoder;
  private final Preprocessing preprocessing;

  public ImageBatchReader(ImageDecoder decoder, Preprocessing preprocessing) {
    if (decoder == null || preprocessing == null) throw new IllegalArgumentException("decoder and preprocessing: not null");
    this.decoder = decoder;
    this.preprocessing = preprocessing;
  }

  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** Reads the files into one batch (failures skipped and reported). */
  public ImageBatch read(List<Path> files) throws IOException {
    FloatBuffer data = ImageBatch.allocate(files.size(), preprocessing.channels(), preprocessing.height(), preprocessing.width());
    List<ImageDataException> failures = new ArrayList<>();
    List<Path> ok = readInto(files, data, failures::add, null);
    data.limit(ok.size() * preprocessing.size());
    return new ImageBatch(data.slice(), preprocessing.channels(), preprocessing.height(), preprocessing.width(), ok, failures);
  }

  /**
   * Decodes and preprocesses the files into {@code x} ([n, C, H, W], the usable ones packed from the
   * start); each file that cannot be used goes to {@code onFailure}. Returns the usable files, in order.
   */
  public List<Path> readInto(List<Path> files, float[] x, java.util.function.Consumer<ImageDataException> onFailure) throws IOException {
    return readInto(files, x, onFailure, null);
  }

  /**
   * As {@link #readInto(List, float[], java.util.function.Consumer)}, also handing each usable image
   * as decoded (original size) to {@code onDecoded} with its index among the usable ones.
   */
  public List<Path> readInto(List<Path> files, float[] x, java.util.function.Consumer<ImageDataException> onFailure,
      java.util.function.ObjIntConsumer<DecodedImage> onDecoded) throws IOException {
    return readInto(files, FloatBuffer.wrap(x), onFailure, onDecoded);
  }

  /**
   * As {@link #readInto(List, float[], java.util.function.Consumer, java.util.function.ObjIntConsumer)},
   * into a buffer (absolute indices from 0): a direct one becomes the encoder's input without a copy.
   */
  public List<Path> readInto(List<Path> files, FloatBuffer x, java.util.function.Consumer<ImageDataException> onFailure,
      java.util.function.ObjIntConsumer<DecodedImage> onDecoded) throws IOException {
    int n = preprocessing.size();
    List<Path> ok = new ArrayList<>();
    for (Path file : files) {
      try {
        DecodedImage img = decoder.decode(file);
        preprocessing.apply(img, x, ok.size() * n);
        if (onDecoded != null) onDecoded.accept(img, ok.size());
      } catch (ImageDataException e) {
        onFailure.accept(e);
        continue;
      }
      ok.add(file);
    }
    return ok;
  }
}
