package dev.tve.kernel;

import static dev.tve.kernel.NativeKernelLibrary.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
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
 * memory for the call, in its own {@link PointerScope}, freed when the call returns. The call's
 * arguments go through a small per-thread block that is reused (a few KB a thread, freed with the
 * thread). Reentrant: one instance may be called from many threads at once.
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
    long intBytes = CallBlock.align(4L * rows.length), outBytes = CallBlock.align(4L * n);
    int wantRaw = !into && req.wantRaw() ? 1 : 0, wantMap = !into && req.wantMap() ? 1 : 0;
    CallBlock blk = CallBlock.get(CallBlock.FIXED + intBytes * (foils == null ? 1 : 2) + outBytes * (wantRaw + wantMap));
    ByteBuffer m = blk.bytes;
    long at = CallBlock.FIXED;
    long targets = blk.address + at;
    m.asIntBuffer().put((int) (at / 4), rows);
    at += intBytes;
    long foilAddr = 0;
    if (foils != null) {
      foilAddr = blk.address + at;
      m.asIntBuffer().put((int) (at / 4), foils);
      at += intBytes;
    }
    long outRaw = 0, outMap = 0, rawAt = at, mapAt = at + outBytes * wantRaw;
    try (PointerScope scope = new PointerScope()) {  // native copies of array-backed views, if any
      if (into) {
        outRaw = rawInto == null ? 0 : new FloatPointer(rawInto).address();
        outMap = mapInto == null ? 0 : new FloatPointer(mapInto).address();
      } else {
        outRaw = wantRaw == 1 ? blk.address + rawAt : 0;
        outMap = wantMap == 1 ? blk.address + mapAt : 0;
      }
      // The struct is written from Java through the block's buffer: one field setter is one JNI
      // call, and two dozen of them were most of a call's fixed cost.
      Fields f = FIELDS;
      m.putLong(f.ePos, address(req.ePos())).putLong(f.eNeg, address(req.eNeg()))
          .putLong(f.weight, req.head().weight().nativePointer().address()).putLong(f.bias, address(req.head().bias()))
          .putLong(f.targets, targets).putLong(f.foils, foilAddr).putLong(f.outRaw, outRaw).putLong(f.outMap, outMap)
          .putLong(f.batch, req.batch()).putLong(f.rows, o.rows()).putLong(f.dim, req.dim()).putLong(f.classes, req.head().classes())
          .putLong(f.k, req.targets().k()).putInt(f.grid, o.grid()).putInt(f.clsRow, o.clsRow().code)
          .putFloat(f.lambdaPos, o.lambdaPos()).putFloat(f.lambdaNeg, o.lambdaNeg()).putInt(f.smoothRadius, o.smoothRadius())
          .putInt(f.normalization, o.normalization().code).putFloat(f.epsilon, o.epsilon()).putInt(f.memory, TVE_MEMORY_HOST)
          .putInt(f.backend, backend).putInt(f.isa, isa.code).putInt(f.threads, threads);
      int rc = tve_project(blk.args, blk.result);
      if (rc != TVE_OK) throw error(rc, blk.result, req);
    }
    if (into) return null;
    float[] raw = null, map = null;
    if (wantRaw == 1) {
      raw = new float[n];
      m.asFloatBuffer().get((int) (rawAt / 4), raw);
    }
    if (wantMap == 1) {
      map = new float[n];
      m.asFloatBuffer().get((int) (mapAt / 4), map);
    }
    return new ProjectionResult(req.batch(), req.targets().k(), o.grid(), raw, map, name);
  }

  private static long address(FloatView v) {
    return v == null ? 0 : v.nativePointer().address();
  }

  /** Byte offsets of struct tve_projection's fields, from the generated binding. */
  private record Fields(int ePos, int eNeg, int weight, int bias, int targets, int foils, int outRaw, int outMap, int batch,
      int rows, int dim, int classes, int k, int grid, int clsRow, int lambdaPos, int lambdaNeg, int smoothRadius,
      int normalization, int epsilon, int memory, int backend, int isa, int threads) {
    static Fields load() {
      java.util.function.ToIntFunction<String> at = name -> {
        int off = Math.toIntExact(Loader.offsetof(Projection.class, name));
        if (off < 0) throw new IllegalStateException("tve_projection." + name + ": no offset in the binding");
        return off;
      };
      return new Fields(at.applyAsInt("e_pos"), at.applyAsInt("e_neg"), at.applyAsInt("weight"), at.applyAsInt("bias"),
          at.applyAsInt("targets"), at.applyAsInt("foils"), at.applyAsInt("out_raw"), at.applyAsInt("out_map"),
          at.applyAsInt("batch"), at.applyAsInt("rows"), at.applyAsInt("dim"), at.applyAsInt("classes"), at.applyAsInt("k"),
          at.applyAsInt("grid"), at.applyAsInt("cls_row"), at.applyAsInt("lambda_pos"), at.applyAsInt("lambda_neg"),
          at.applyAsInt("smooth_radius"), at.applyAsInt("normalization"), at.applyAsInt("epsilon"), at.applyAsInt("memory"),
          at.applyAsInt("backend"), at.applyAsInt("isa"), at.applyAsInt("threads"));
    }
  }

  private static final Fields FIELDS = LOAD_ERROR == null ? Fields.load() : null;

  /**
   * Per thread, native memory for a call's structs, target rows and outputs, reused from call to
   * call (an allocation and a free per call showed on small batches) and grown when a call needs
   * more. A direct buffer: the JVM frees it with the thread.
   */
  private static final class CallBlock {
    static final long PROJECTION = align(Loader.sizeof(Projection.class)), RESULT = align(Loader.sizeof(Result.class));
    static final long FIXED = PROJECTION + RESULT;
    private static final ThreadLocal<CallBlock> BLOCKS = new ThreadLocal<>();

    final ByteBuffer bytes;
    final long address;
    final Projection args;
    final Result result;

    private CallBlock(long capacity) {
      bytes = ByteBuffer.allocateDirect(Math.toIntExact(capacity)).order(ByteOrder.nativeOrder());
      Pointer p = new Pointer(bytes);
      address = p.address();
      args = new Projection(p);
      result = new Result(new Offset(p, PROJECTION));
    }

    static CallBlock get(long bytes) {
      CallBlock b = BLOCKS.get();
      if (b == null || b.bytes.capacity() < bytes) {
        b = new CallBlock(Math.max(bytes, 4096));
        BLOCKS.set(b);
      }
      return b;
    }

    static long align(long bytes) {
      return (bytes + 63) & ~63L;
    }
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
