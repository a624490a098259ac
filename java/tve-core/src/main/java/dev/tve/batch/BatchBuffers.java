package dev.tve.batch;

import dev.tve.image.ImageBatch;
import dev.tve.image.Preprocessing;
import java.nio.FloatBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Direct buffers for decoded batches, reused: the decoders write a batch's pixels into one, the
 * explainer hands it to libtorch as the encoder's input (no copy), the writer gives it back. Never
 * blocks: when none is free a new one is allocated (buffers lost on an error path are the garbage
 * collector's), and at most {@code keep} wait for reuse.
 */
final class BatchBuffers {
  private final int batch, channels, height, width;
  private final BlockingQueue<FloatBuffer> free;

  BatchBuffers(int batch, Preprocessing pre, int keep) {
    this.batch = batch;
    this.channels = pre.channels();
    this.height = pre.height();
    this.width = pre.width();
    this.free = new ArrayBlockingQueue<>(Math.max(1, keep));
  }

  /** A buffer for a batch [batch, C, H, W], contents undefined. */
  FloatBuffer take() {
    FloatBuffer b = free.poll();
    return b != null ? b : ImageBatch.allocate(batch, channels, height, width);
  }

  /** Back for reuse; the caller no longer reads or writes it. */
  void give(FloatBuffer b) {
    if (b != null) free.offer(b);
  }
}
