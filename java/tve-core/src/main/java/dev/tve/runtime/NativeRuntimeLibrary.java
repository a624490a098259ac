package dev.tve.runtime;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of libtveruntime: process policies ({@code native/include/tve_runtime.h}) and the
 * benchmarks' bandwidth probes ({@code native/include/tve_probe.h}). Kept apart from the projection
 * kernel's ABI ({@code tve_kernel.h}): these act on the whole process or only measure it.
 *
 * <p>Low level: use {@link ThreadPolicy} and {@link AllocatorPolicy}.
 *
 * <pre>{@code
 * double s = NativeRuntimeLibrary.tve_read_floor(a, b, n, 0);   // the least work reading a and b takes
 * }</pre>
 */
@Platform(value = "linux-x86_64", include = {"tve_runtime.h", "tve_probe.h"}, link = "tveruntime",
    // One OpenMP runtime with libtorch: libgomp from the PyTorch presets' jar, as the kernel does.
    preload = "gomp@.1", preloadresource = "/org/bytedeco/pytorch/")
public final class NativeRuntimeLibrary {
  static {
    Loader.load();
  }

  private NativeRuntimeLibrary() {}

  /**
   * @param mmapThreshold glibc M_MMAP_THRESHOLD in bytes
   * @param trimThreshold glibc M_TRIM_THRESHOLD in bytes
   * @return 1 when both were accepted
   */
  public static native int tve_malloc_tune(@Cast("int64_t") long mmapThreshold, @Cast("int64_t") long trimThreshold);

  /**
   * @param threads OpenBLAS pool size
   * @return how many loaded OpenBLAS libraries took it
   */
  public static native int tve_blas_threads(int threads);

  /** @return the first loaded OpenBLAS's thread count (0: none loaded) */
  public static native int tve_blas_threads_get();

  /**
   * @param name an environment variable
   * @param value its value unless it is set already
   * @return 1 when set, 0 when it was set already, -1 on error
   */
  public static native int tve_setenv_default(String name, String value);

  /**
   * @param level libtorch's log level (0 info, 1 warning, 2 error, 3 fatal); negative only reads it
   * @return the level before, -1 when libtorch is not loaded
   */
  public static native int tve_torch_log_level(int level);

  /**
   * Test hook: one warning through libtorch's own logger, printed when its level lets warnings through.
   *
   * @param file the file name the line shows
   * @param line the line number it shows
   * @return 1 when issued, 0 when libtorch's logger was not found
   */
  public static native int tve_torch_log_test_warning(String file, int line);

  /**
   * @param a first array
   * @param b second array, or null
   * @param n floats in each
   * @param threads OpenMP threads ({@code <= 0}: all)
   * @return the sum, so that the reads cannot be optimised away
   */
  public static native double tve_read_floor(@Const FloatPointer a, @Const FloatPointer b, @Cast("int64_t") long n, int threads);

  /**
   * STREAM triad a[i] = b[i] + s * c[i].
   *
   * @param a output
   * @param b first input
   * @param c second input
   * @param s scale
   * @param n floats
   * @param threads OpenMP threads ({@code <= 0}: all)
   */
  public static native void tve_triad(FloatPointer a, @Const FloatPointer b, @Const FloatPointer c, float s, @Cast("int64_t") long n, int threads);
}
