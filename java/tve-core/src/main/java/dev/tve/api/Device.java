package dev.tve.api;

/**
 * Where the projection kernel runs. The networks run in libtorch on the CPU (the PyTorch presets this
 * engine ships are a CPU build); {@link #CUDA} moves the fused projection to the GPU and is refused
 * where the native library has no CUDA kernels or no device is present.
 *
 * <pre>{@code
 * Tve tve = Tve.builder().optDevice(Device.CPU).build();
 * }</pre>
 */
public enum Device {
  /** The best back end here: the C++ kernel, else the Java reference. */
  AUTO,
  /** The C++ kernel (Java reference when the native library cannot load). */
  CPU,
  /** The CUDA kernel; refused without CUDA kernels or a device. */
  CUDA
}
