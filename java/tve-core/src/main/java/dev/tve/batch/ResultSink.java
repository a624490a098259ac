package dev.tve.batch;

import java.io.IOException;

/**
 * Where the batch pipeline's results go: files here ({@link FileSink}), Parquet rows on Spark. The
 * pipeline calls one sink from one thread, in input order; a sink writes each result completely (temp
 * and rename) before it records it, so a stopped run leaves nothing half-written.
 *
 * <pre>{@code
 * ResultSink sink = new ResultSink() {
 *   public boolean isDone(InputFiles.Item item) { return false; }
 *   public void done(ImageResult r) { rows.add(r); }
 *   public void failed(String key, String reason) { errors.add(key); }
 * };
 * }</pre>
 */
public interface ResultSink extends AutoCloseable {
  /**
   * Whether this file's outputs are already complete (a resumed run skips it). Called from the
   * walking thread, concurrently with the others.
   */
  boolean isDone(InputFiles.Item item) throws IOException;

  /** Writes one explained file. */
  void done(ImageResult result) throws IOException;

  /** Writes a batch of explained files, in order (a sink may prepare them in parallel first). */
  default void done(java.util.List<ImageResult> results) throws IOException {
    for (ImageResult r : results) done(r);
  }

  /** Records one file that could not be explained. */
  void failed(String key, String reason) throws IOException;

  /** Finishes the outputs (a montage, a footer). */
  @Override
  default void close() throws IOException {}
}
