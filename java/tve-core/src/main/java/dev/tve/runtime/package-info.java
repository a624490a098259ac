/**
 * The ground floor: the one settings reader ({@link dev.tve.runtime.Settings}), the version
 * constant, the engine's exception types, and process-wide native policies (libtorch and OpenBLAS
 * threads, the allocator) bound from libtveruntime. Uses no other package of the engine.
 */
package dev.tve.runtime;
