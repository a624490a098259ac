package dev.tve.batch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
  private final int floats;
  private final BlockingQueue<FloatBuffer> free;

  BatchBuffers(int floats, int keep) {
    this.floats = floats;
    this.free = new ArrayBlockingQueue<>(Math.max(1, keep));
  }

  /** A buffer of {@code floats} floats, native order, contents undefined. */
  FloatBuffer take() {
    FloatBuffer b = free.poll();
    return b != null ? b : ByteBuffer.allocateDirect(Math.multiplyExact(4, floats)).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /** Back for reuse; the caller no longer reads or writes it. */
  void give(FloatBuffer b) {
    if (b != null) free.offer(b);
  }
}
