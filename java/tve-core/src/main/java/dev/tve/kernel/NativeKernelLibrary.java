package dev.tve.kernel;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of libtvekernel's C ABI ({@code native/include/tve_kernel.h}). The JNI glue is
 * generated and compiled by the javacpp Maven plugin; both libraries travel inside the jar under
 * {@code dev/tve/kernel/linux-x86_64/} and load from it (no LD_LIBRARY_PATH).
 *
 * <p>Low level: use {@link ProjectionEngine}. Every function is reentrant.
 */
@Platform(value = "linux-x86_64", include = "tve_kernel.h", link = "tvekernel",
    // libgomp from the PyTorch presets' jar: one OpenMP runtime shared with libtorch, and no need
    // for a system libgomp (libtvekernel's DT_NEEDED resolves to the copy already loaded).
    preload = "gomp@.1", preloadresource = "/org/bytedeco/pytorch/")
public final class NativeKernelLibrary {
  static {
    Loader.load();
  }

  private NativeKernelLibrary() {}

  /** The C ABI version these bindings were written for (TVE_KERNEL_ABI_VERSION). */
  public static final int TVE_KERNEL_ABI_VERSION = 2;
  public static final int TVE_MEMORY_HOST = 0, TVE_MEMORY_DEVICE = 1;
  public static final int TVE_BACKEND_AUTO = 0, TVE_BACKEND_CPU = 1, TVE_BACKEND_CUDA = 2;
  public static final int TVE_OK = 0, TVE_ERR_ARGUMENT = 1, TVE_ERR_UNSUPPORTED = 2, TVE_ERR_NONFINITE = 3,
      TVE_ERR_CUDA = 4;
  public static final int TVE_NONFINITE_EPOS = 1, TVE_NONFINITE_ENEG = 2, TVE_NONFINITE_HEAD = 4;

  /** {@code struct tve_projection}: the arguments of one call. */
  @Name("tve_projection")
  public static final class Projection extends Pointer {
    static {
      Loader.load();
    }

    /** Allocates a zeroed struct (in the current PointerScope, if any). */
    public Projection() {
      super((Pointer) null);
      allocate();
    }

    /** Views caller-owned memory of {@code Loader.sizeof(Projection.class)} bytes as the struct. */
    public Projection(Pointer p) {
      super(p);
    }

    private native void allocate();

    public native @Const FloatPointer e_pos(); public native Projection e_pos(@Const FloatPointer v);
    public native @Const FloatPointer e_neg(); public native Projection e_neg(@Const FloatPointer v);
    public native @Const FloatPointer weight(); public native Projection weight(@Const FloatPointer v);
    public native @Const FloatPointer bias(); public native Projection bias(@Const FloatPointer v);
    public native @Cast("const int32_t*") IntPointer targets();
    public native Projection targets(@Cast("const int32_t*") IntPointer v);
    public native @Cast("const int32_t*") IntPointer foils();
    public native Projection foils(@Cast("const int32_t*") IntPointer v);
    public native FloatPointer out_raw(); public native Projection out_raw(FloatPointer v);
    public native FloatPointer out_map(); public native Projection out_map(FloatPointer v);
    public native @Cast("int64_t") long batch(); public native Projection batch(long v);
    public native @Cast("int64_t") long rows(); public native Projection rows(long v);
    public native @Cast("int64_t") long dim(); public native Projection dim(long v);
    public native @Cast("int64_t") long classes(); public native Projection classes(long v);
    public native @Cast("int64_t") long k(); public native Projection k(long v);
    public native int grid(); public native Projection grid(int v);
    public native int cls_row(); public native Projection cls_row(int v);
    public native float lambda_pos(); public native Projection lambda_pos(float v);
    public native float lambda_neg(); public native Projection lambda_neg(float v);
    public native int smooth_radius(); public native Projection smooth_radius(int v);
    public native int normalization(); public native Projection normalization(int v);
    public native float epsilon(); public native Projection epsilon(float v);
    public native int memory(); public native Projection memory(int v);
    public native int backend(); public native Projection backend(int v);
    public native int isa(); public native Projection isa(int v);
    public native int threads(); public native Projection threads(int v);
  }

  /** {@code struct tve_result}: what ran, and why a call failed. */
  @Name("tve_result")
  public static final class Result extends Pointer {
    static {
      Loader.load();
    }

    public Result() {
      super((Pointer) null);
      allocate();
    }

    /** Views caller-owned memory of {@code Loader.sizeof(Result.class)} bytes as the struct. */
    public Result(Pointer p) {
      super(p);
    }

    private native void allocate();

    @MemberGetter public native int backend();
    @MemberGetter public native int isa();
    @MemberGetter public native int nonfinite_flags();
    @MemberGetter public native @Cast("int64_t") long nonfinite_image();
    @MemberGetter public native @Cast("const char*") BytePointer message();
  }

  public static native int tve_project(@Const Projection args, Result result);
  public static native int tve_abi_version();
  public static native @Cast("const char*") BytePointer tve_version();
  public static native int tve_cpu_isa_supported(int isa);
  public static native int tve_cpu_best_isa();
  public static native int tve_cpu_threads();
  public static native int tve_cuda_compiled();
  public static native int tve_cuda_device_count();
}
