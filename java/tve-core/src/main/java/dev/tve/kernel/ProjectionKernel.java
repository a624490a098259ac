package dev.tve.kernel;

/**
 * One implementation of the fused meta-attribution projection (README, "The projection kernel"):
 * for image b, target t with row k and optional foil j, w = W[k] - W[j], c = b[k] - b[j],
 * <pre>raw[b,t,p] = lambda+ (w . E+[b,p] + c) - lambda- (w . E-[b,p] + c)</pre>
 * then the map is smoothed and normalised as {@link ProjectionOptions} say. A side whose lambda is
 * zero is not read.
 *
 * <p>Implementations are stateless and reentrant: one instance may be called from many threads at
 * once.
 */
public interface ProjectionKernel {
  /**
   * Projects one request.
   *
   * @throws IllegalArgumentException when E+, E- or the head rows hold NaN or Inf (named in the
   *     message, with the image and the shapes)
   */
  ProjectionResult project(ProjectionRequest request);

  /**
   * Projects one request into caller-owned buffers of {@code request.outputSize()} floats each
   * (null for an output not requested). Native kernels write direct native-order buffers in place,
   * with no Java garbage per call: the path for steady high-rate serving.
   *
   * <pre>{@code
   * FloatBuffer maps = ByteBuffer.allocateDirect(4 * (int) req.outputSize())
   *     .order(ByteOrder.nativeOrder()).asFloatBuffer();
   * kernel.projectInto(req, null, maps);   // request built with optRaw(false)
   * }</pre>
   */
  default void projectInto(ProjectionRequest request, java.nio.FloatBuffer raw, java.nio.FloatBuffer map) {
    Outputs.check(request, raw, map);
    ProjectionResult r = project(request);
    if (raw != null) raw.duplicate().put(r.raw());
    if (map != null) map.duplicate().put(r.map());
  }

  /** Short name of the implementation, e.g. "java", "cpu/avx2". */
  String name();
}
