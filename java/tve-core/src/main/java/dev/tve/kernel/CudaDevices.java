package dev.tve.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * GPU discovery and memory information through the JavaCPP CUDA presets. Always guarded: where no
 * driver is installed the presets fail to load, and this class reports no devices and the reason
 * instead of throwing. The projection kernels never go through the presets' runtime: libtvekernel
 * carries its own, statically linked.
 *
 * <pre>{@code
 * for (CudaDevices.Device d : CudaDevices.list()) System.out.println(d);
 * }</pre>
 */
public final class CudaDevices {
  /** One CUDA device. */
  public record Device(int index, String name, int major, int minor, int multiprocessors, long totalBytes,
      long freeBytes) {
    @Override
    public String toString() {
      return String.format("cuda:%d %s (sm_%d%d, %d SMs, %.1f/%.1f GiB free)", index, name, major, minor,
          multiprocessors, freeBytes / 1073741824.0, totalBytes / 1073741824.0);
    }
  }

  private static volatile String unavailableReason;

  private CudaDevices() {}

  /** The usable devices; empty (never an exception) without presets, driver or GPU. */
  public static synchronized List<Device> list() {
    try {
      Class<?> cudart = Class.forName("org.bytedeco.cuda.global.cudart");
      Loader.load(cudart);
      return query();
    } catch (Throwable t) {  // UnsatisfiedLinkError without libcuda.so.1, NoClassDefFoundError, ...
      unavailableReason = t.toString();
      return Collections.emptyList();
    }
  }

  /** Why {@link #list()} came back empty on its last call, or null. */
  public static String unavailableReason() {
    return unavailableReason;
  }

  private static List<Device> query() {
    int[] count = {0};
    int rc = org.bytedeco.cuda.global.cudart.cudaGetDeviceCount(count);
    if (rc != 0) {
      unavailableReason = "cudaGetDeviceCount: " + org.bytedeco.cuda.global.cudart.cudaGetErrorString(rc).getString();
      return Collections.emptyList();
    }
    List<Device> out = new ArrayList<>();
    for (int i = 0; i < count[0]; i++) {
      try (org.bytedeco.cuda.cudart.cudaDeviceProp p = new org.bytedeco.cuda.cudart.cudaDeviceProp();
          SizeTPointer free = new SizeTPointer(1);
          SizeTPointer total = new SizeTPointer(1)) {
        org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties(p, i);
        org.bytedeco.cuda.global.cudart.cudaSetDevice(i);
        org.bytedeco.cuda.global.cudart.cudaMemGetInfo(free, total);
        out.add(new Device(i, p.name().getString(), p.major(), p.minor(), p.multiProcessorCount(),
            p.totalGlobalMem(), free.get()));
      }
    }
    unavailableReason = out.isEmpty() ? "no CUDA device" : null;
    return out;
  }
}
