package dev.tve.kernel;

/** Which projection implementation runs. */
public enum Backend {
  /** The C++ kernel for host data when the native library loads, else the Java reference. */
  AUTO,
  /** The plain Java reference (double accumulation). */
  JAVA,
  /** The multi-threaded C++ kernel (AVX-512, AVX2 or scalar). */
  CPU,
  /** The CUDA kernel (host data is copied to the GPU and back). */
  CUDA
}
