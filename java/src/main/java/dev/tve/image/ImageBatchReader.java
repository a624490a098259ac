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
    int n = preprocessing.size();
    float[] one = new float[n];
    List<Path> ok = new ArrayList<>();
    List<ImageDataException> failures = new ArrayList<>();
    FloatBuffer data = ImageBatch.allocate(files.size(), preprocessing.channels(), preprocessing.height(), preprocessing.width());
    for (Path file : files) {
      try {
        preprocessing.apply(decoder.decode(file), one, 0);
      } catch (ImageDataException e) {
        failures.add(e);
        continue;
      }
      data.put(one);
      ok.add(file);
    }
    data.flip();
    return new ImageBatch(data.slice(), preprocessing.channels(), preprocessing.height(), preprocessing.width(), ok, failures);
  }
}
