/**
 * The fused meta-attribution projection: the {@link dev.tve.kernel.ProjectionKernel} contract, its
 * Java reference, the native C++ / CUDA kernels through JavaCPP (the C ABI of
 * {@code native/include/tve_kernel.h}, version-checked at load), and the dispatcher
 * {@link dev.tve.kernel.ProjectionEngine}. The engine's ground floor with runtime: uses only runtime
 * (settings); touches no file, no network, no libtorch model.
 */
package dev.tve.kernel;
