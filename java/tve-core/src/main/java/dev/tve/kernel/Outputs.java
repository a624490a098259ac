package dev.tve.kernel;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Checks of caller-owned output buffers for {@link ProjectionKernel#projectInto}. */
final class Outputs {
  private Outputs() {}

  static void check(ProjectionRequest req, FloatBuffer raw, FloatBuffer map) {
    check(req, raw, req.wantRaw(), "raw");
    check(req, map, req.wantMap(), "map");
  }

  private static void check(ProjectionRequest req, FloatBuffer out, boolean wanted, String name) {
    if (wanted && out == null) throw new IllegalArgumentException(name + ": null, but the request asks for it");
    if (!wanted && out != null) throw new IllegalArgumentException(name + ": given, but the request does not ask for it");
    if (out == null) return;
    if (out.isReadOnly()) throw new IllegalArgumentException(name + ": read-only buffer");
    if (out.remaining() < req.outputSize()) {
      throw new IllegalArgumentException(name + ": " + out.remaining() + " floats remaining, need [batch=" + req.batch()
          + ", k=" + req.targets().k() + ", " + req.options().grid() + ", " + req.options().grid() + "] = "
          + req.outputSize());
    }
  }

  /** True when native code can write the buffer in place. */
  static boolean nativeWritable(FloatBuffer out) {
    return out == null || (out.isDirect() && out.order() == ByteOrder.nativeOrder());
  }
}
