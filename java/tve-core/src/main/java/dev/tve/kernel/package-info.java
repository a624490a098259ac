/**
 * The fused meta-attribution projection: the {@link dev.tve.kernel.ProjectionKernel} contract, its
 * Java reference, the native C++ / CUDA kernels through JavaCPP, and the dispatcher
 * {@link dev.tve.kernel.ProjectionEngine}.
 */
package dev.tve.kernel;
