package dev.tve.kernel;

import static dev.tve.kernel.NativeKernelLibrary.*;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The projection in libtvekernel, through its C ABI: the multi-threaded C++ kernel
 * ({@link #cpu(Isa, int)}) or the CUDA kernel ({@link #cuda()}).
 *
 * <pre>{@code
 * ProjectionKernel k = NativeKernel.cpu(Isa.AUTO, 0);   // widest ISA, all cores
 * ProjectionResult r = k.project(request);
 * }</pre>
 *
 * <p>Zero-copy for direct buffers, native pointers and CPU tensors; arrays are copied into native
 * memory for the call. All native memory of a call lives in its own {@link PointerScope} and is
 * freed when the call returns. Stateless and reentrant: one instance may be called from many
 * threads at once.
 */
public final class NativeKernel implements ProjectionKernel {
  private static final Throwable LOAD_ERROR = tryLoad();

  private final int backend;
  private final Isa isa;
  private final int threads;
  private final String name;

  private NativeKernel(int backend, Isa isa, int threads) {
    this.backend = backend;
    this.isa = isa;
    this.threads = threads;
    this.name = backend == TVE_BACKEND_CUDA ? "cuda" : "cpu/" + isa.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static Throwable tryLoad() {
    try {
      Loader.load(NativeKernelLibrary.class);
      int abi = NativeKernelLibrary.tve_abi_version();
      // A library of another ABI would read our structs with another layout: refuse it, use the Java kernel.
      if (abi != NativeKernelLibrary.TVE_KERNEL_ABI_VERSION) {
        return new UnsatisfiedLinkError("libtvekernel has C ABI version " + abi + ", these bindings need " + NativeKernelLibrary.TVE_KERNEL_ABI_VERSION);
      }
      return null;
    } catch (Throwable t) {  // UnsatisfiedLinkError, or a missing platform resource
      return t;
    }
  }

  /** True when libtvekernel and its JNI glue loaded. */
  public static boolean isAvailable() {
    return LOAD_ERROR == null;
  }

  /** Why the native library did not load, or null. */
  public static Throwable loadError() {
    return LOAD_ERROR;
  }

  private static void requireLoaded() {
    if (LOAD_ERROR != null) {
      throw new UnsupportedOperationException("native kernel library did not load: " + LOAD_ERROR, LOAD_ERROR);
    }
  }

  /** True when this CPU can run the ISA path ({@link Isa#AUTO} always can). */
  public static boolean supports(Isa isa) {
    requireLoaded();
    return isa == Isa.AUTO || tve_cpu_isa_supported(isa.code) != 0;
  }

  /** The ISA that {@link Isa#AUTO} picks on this CPU. */
  public static Isa bestIsa() {
    requireLoaded();
    return Isa.ofCode(tve_cpu_best_isa());
  }

  /** Threads that {@code threads <= 0} means: the processors OpenMP sees. */
  public static int defaultThreads() {
    requireLoaded();
    return tve_cpu_threads();
  }

  /** Devices the library's own CUDA runtime can use (0 without CUDA build, driver or GPU). */
  public static int cudaDeviceCount() {
    return LOAD_ERROR == null ? tve_cuda_device_count() : 0;
  }

  /** Whether the library was built with the CUDA kernels. */
  public static boolean cudaCompiled() {
    return LOAD_ERROR == null && tve_cuda_compiled() != 0;
  }

  /** Library version string. */
  public static String version() {
    requireLoaded();
    return tve_version().getString();
  }

  /**
   * The C++ kernel on a given ISA path.
   *
   * @param threads CPU threads per call; {@code <= 0} uses every core
   * @throws UnsupportedOperationException when the library did not load or the CPU lacks the ISA
   */
  public static NativeKernel cpu(Isa isa, int threads) {
    requireLoaded();
    if (!supports(isa)) throw new UnsupportedOperationException("ISA " + isa + " is not supported by this CPU");
    Isa resolved = isa == Isa.AUTO ? bestIsa() : isa;
    return new NativeKernel(TVE_BACKEND_CPU, resolved, threads);
  }

  /**
   * The CUDA kernel (host data is copied to the device and back).
   *
   * @throws UnsupportedOperationException when the library has no CUDA kernels or no device is usable
   */
  public static NativeKernel cuda() {
    requireLoaded();
    if (tve_cuda_compiled() == 0) throw new UnsupportedOperationException("libtvekernel was built without CUDA (nvcc not found at build time)");
    if (tve_cuda_device_count() < 1) throw new UnsupportedOperationException("no CUDA device is usable here (no driver or no GPU)");
    return new NativeKernel(TVE_BACKEND_CUDA, Isa.AUTO, 0);
  }

  @Override
  public String name() {
    return name;
  }

  /** CPU threads per call ({@code <= 0}: all cores). */
  public int threads() {
    return threads;
  }

  @Override
  public ProjectionResult project(ProjectionRequest req) {
    return run(req, null, null);
  }

  @Override
  public void projectInto(ProjectionRequest req, FloatBuffer raw, FloatBuffer map) {
    Outputs.check(req, raw, map);
    if (!Outputs.nativeWritable(raw) || !Outputs.nativeWritable(map)) {
      ProjectionKernel.super.projectInto(req, raw, map);  // heap buffers: through a copy
      return;
    }
    run(req, raw, map);
  }

  /** Runs the call; with caller buffers (direct) the kernel writes them and returns null. */
  private ProjectionResult run(ProjectionRequest req, FloatBuffer rawInto, FloatBuffer mapInto) {
    boolean into = rawInto != null || mapInto != null;
    ProjectionOptions o = req.options();
    int n = Math.toIntExact(req.outputSize());
    int[] rows = req.targets().rowsUnsafe();
    int[] foils = req.targets().foilsUnsafe();
    // One untracked block per call for the structs, targets and outputs: JavaCPP's tracked
    // allocations cost microseconds each, which shows on small batches. Freed in finally.
    long projBytes = align(Loader.sizeof(Projection.class)), resBytes = align(Loader.sizeof(Result.class));
    long intBytes = align(4L * rows.length), outBytes = align(4L * n);
    long total = projBytes + resBytes + intBytes * (foils == null ? 1 : 2)
        + (into ? 0 : outBytes * ((req.wantRaw() ? 1 : 0) + (req.wantMap() ? 1 : 0)));
    Pointer block = Pointer.malloc(total);
    if (block == null || block.isNull()) throw new OutOfMemoryError("tve: cannot allocate " + total + " native bytes");
    try (PointerScope scope = new PointerScope()) {
      Pointer.memset(block, 0, projBytes + resBytes);
      long at = 0;
      Projection a = new Projection(slice(block, at));
      at += projBytes;
      Result r = new Result(slice(block, at));
      at += resBytes;
      IntPointer targets = new IntPointer(slice(block, at)).put(rows);
      at += intBytes;
      IntPointer foilPtr = null;
      if (foils != null) {
        foilPtr = new IntPointer(slice(block, at)).put(foils);
        at += intBytes;
      }
      FloatPointer outRaw = null, outMap = null;
      if (into) {
        outRaw = rawInto == null ? null : new FloatPointer(rawInto);
        outMap = mapInto == null ? null : new FloatPointer(mapInto);
      } else {
        if (req.wantRaw()) {
          outRaw = new FloatPointer(slice(block, at));
          at += outBytes;
        }
        if (req.wantMap()) outMap = new FloatPointer(slice(block, at));
      }
      a.e_pos(req.ePos() == null ? null : req.ePos().nativePointer())
          .e_neg(req.eNeg() == null ? null : req.eNeg().nativePointer())
          .weight(req.head().weight().nativePointer())
          .bias(req.head().bias() == null ? null : req.head().bias().nativePointer())
          .targets(targets).foils(foilPtr)
          .out_raw(outRaw).out_map(outMap)
          .batch(req.batch()).rows(o.rows()).dim(req.dim()).classes(req.head().classes()).k(req.targets().k())
          .grid(o.grid()).cls_row(o.clsRow().code)
          .lambda_pos(o.lambdaPos()).lambda_neg(o.lambdaNeg())
          .smooth_radius(o.smoothRadius()).normalization(o.normalization().code).epsilon(o.epsilon())
          .memory(TVE_MEMORY_HOST).backend(backend).isa(isa.code).threads(threads);
      int rc = tve_project(a, r);
      if (rc != TVE_OK) throw error(rc, r, req);
      if (into) return null;
      float[] raw = null, map = null;
      if (outRaw != null) {
        raw = new float[n];
        outRaw.get(raw);
      }
      if (outMap != null) {
        map = new float[n];
        outMap.get(map);
      }
      return new ProjectionResult(req.batch(), req.targets().k(), o.grid(), raw, map, name);
    } finally {
      Pointer.free(block);
    }
  }

  private static long align(long bytes) {
    return (bytes + 63) & ~63L;
  }

  /** A pointer {@code offset} bytes into {@code block}, at position 0 (typed views copy it). */
  private static Pointer slice(Pointer block, long offset) {
    return new Offset(block, offset);
  }

  private static final class Offset extends Pointer {
    Offset(Pointer block, long offset) {
      super((Pointer) null);
      this.address = block.address() + offset;
    }
  }

  private static RuntimeException error(int rc, Result r, ProjectionRequest req) {
    String message = r.message().getString();
    switch (rc) {
      case TVE_ERR_NONFINITE: {
        int f = r.nonfinite_flags();
        StringBuilder where = new StringBuilder();
        if ((f & TVE_NONFINITE_EPOS) != 0) where.append("ePos ");
        if ((f & TVE_NONFINITE_ENEG) != 0) where.append("eNeg ");
        if ((f & TVE_NONFINITE_HEAD) != 0) where.append("head W/bias rows ");
        if (where.length() == 0) where.append("the projection (float32 overflow of finite inputs) ");
        return new IllegalArgumentException("NaN or Inf in " + where + "at image " + r.nonfinite_image()
            + "; E shape " + req.eShape() + " (" + message + ")");
      }
      case TVE_ERR_ARGUMENT:
        return new IllegalArgumentException(message + " (" + req + ")");
      case TVE_ERR_UNSUPPORTED:
        return new UnsupportedOperationException(message);
      default:
        return new IllegalStateException("tve_project failed (" + rc + "): " + message);
    }
  }
}
