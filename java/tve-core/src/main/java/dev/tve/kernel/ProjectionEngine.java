package dev.tve.kernel;

import dev.tve.runtime.Settings;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projection dispatcher: picks the kernel once, at build time.
 *
 * <ul>
 *   <li>{@link Backend#AUTO}: host data goes to the C++ kernel (widest ISA); when the native
 *       library cannot load, to the Java reference (logged once). Copying host data to a GPU does
 *       not pay for this memory-bound kernel (see README), so AUTO never does it.
 *   <li>{@link Backend#JAVA}, {@link Backend#CPU}, {@link Backend#CUDA}: forced; a forced backend
 *       that cannot run here fails at {@link Builder#build()} with the reason.
 * </ul>
 * Settings default to the system properties {@code tve.kernel.backend} (auto|java|cpu|cuda),
 * {@code tve.kernel.isa} (auto|scalar|avx2|avx512) and {@code tve.kernel.threads}, else to the
 * environment variables {@code TVE_KERNEL_BACKEND}, {@code TVE_KERNEL_ISA}, {@code TVE_KERNEL_THREADS}.
 *
 * <pre>{@code
 * ProjectionEngine engine = ProjectionEngine.builder().optIsa(Isa.AVX2).optThreads(2).build();
 * ProjectionResult r = engine.project(request);
 * }</pre>
 *
 * <p>Holds no native resources (every call scopes its own), so there is nothing to close.
 * Thread-safe: one engine may serve many threads at once.
 */
public final class ProjectionEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);

  private final ProjectionKernel kernel;

  private ProjectionEngine(ProjectionKernel kernel) {
    this.kernel = kernel;
  }

  /** An engine with the default settings (properties, environment, else AUTO). */
  public static ProjectionEngine create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs the projection on the chosen kernel. */
  public ProjectionResult project(ProjectionRequest request) {
    return kernel.project(request);
  }

  /** Runs the projection into caller-owned buffers (see {@link ProjectionKernel#projectInto}). */
  public void projectInto(ProjectionRequest request, java.nio.FloatBuffer raw, java.nio.FloatBuffer map) {
    kernel.projectInto(request, raw, map);
  }

  /** The kernel this engine runs. */
  public ProjectionKernel kernel() {
    return kernel;
  }

  /** Builder of {@link ProjectionEngine}. */
  public static final class Builder {
    private Backend backend = Settings.choice("tve.kernel.backend", Backend.class, Backend.AUTO);
    private Isa isa = Settings.choice("tve.kernel.isa", Isa.class, Isa.AUTO);
    private int threads = Settings.integer("tve.kernel.threads", 0);

    private Builder() {}

    public Builder optBackend(Backend v) { this.backend = Args.notNull(v, "backend"); return this; }
    public Builder optIsa(Isa v) { this.isa = Args.notNull(v, "isa"); return this; }
    /** CPU threads per call; {@code <= 0} uses every core. */
    public Builder optThreads(int v) { this.threads = v; return this; }

    public ProjectionEngine build() {
      switch (backend) {
        case JAVA:
          return new ProjectionEngine(new JavaReferenceKernel());
        case CPU:
          return new ProjectionEngine(NativeKernel.cpu(isa, threads));
        case CUDA:
          return new ProjectionEngine(NativeKernel.cuda());
        case AUTO:
        default:
          if (NativeKernel.isAvailable()) return new ProjectionEngine(NativeKernel.cpu(isa, threads));
          LOG.warn("native kernel library unavailable ({}); using the Java reference kernel", NativeKernel.loadError().toString());
          return new ProjectionEngine(new JavaReferenceKernel());
      }
    }

  }
}
