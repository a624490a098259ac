package dev.tve.kernel;

/**
 * One implementation of the fused meta-attribution projection (DESIGN.md section 2):
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

  /** Short name of the implementation, e.g. "java", "cpu/avx2". */
  String name();
}
