/*
 * tve_runtime.h - process runtime policies of the TVE engine (libtveruntime), kept apart from the
 * projection kernel's ABI (tve_kernel.h): they act on the whole process, not on one call.
 */
#ifndef TVE_RUNTIME_H
#define TVE_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Process allocator policy (glibc malloc), for libtorch's many short-lived multi-MB tensors.
 * With glibc's defaults each one is mmap'd and munmap'd, so every batch pays fresh page faults
 * (measured: the ViT's training step 1.8x slower). Sets M_MMAP_THRESHOLD and
 * M_TRIM_THRESHOLD; returns 1 when both were accepted, 0 otherwise (or on other C libraries). */
int32_t tve_malloc_tune(int64_t mmap_threshold, int64_t trim_threshold);

/* Thread count of the OpenBLAS that libtorch already loaded (libopenblas_nolapack / libopenblas).
 * torch's set_num_threads does not reach it, and its idle workers spin: on 2 cores a second
 * OpenBLAS thread beside a busy loader thread halved training throughput here. Returns the
 * number of loaded OpenBLAS libraries it was set in (0: none loaded). */
int32_t tve_blas_threads(int32_t threads);

/* The current thread count of the first loaded OpenBLAS (0: none loaded). */
int32_t tve_blas_threads_get(void);

/* Sets an environment variable unless it is set already (the user's value stands). For libraries
 * that read their configuration from the environment once, when they are loaded (OpenCV's image
 * size limit and log level); Java cannot set the process environment itself. Returns 1 when set,
 * 0 when it was set already, -1 on error. */
int32_t tve_setenv_default(const char* name, const char* value);

/* libtorch's (c10's) log level: 0 info, 1 warning (its default), 2 error, 3 fatal; messages below
 * it are not printed (e.g. NNPACK's "Could not initialize NNPACK! Reason: Unsupported hardware" on
 * CPUs it does not support). level < 0 only reads it. Returns the level before, -1 when libtorch is
 * not loaded. */
int32_t tve_torch_log_level(int32_t level);

/* Test hook: one c10 warning through libtorch's own logger (empty message, "[W... FILE:LINE] "),
 * printed on stderr when the level lets warnings through. Returns 1 when issued, 0 when libtorch's
 * logger is not found. */
int32_t tve_torch_log_test_warning(const char* file, int32_t line);

#ifdef __cplusplus
}
#endif

#endif /* TVE_RUNTIME_H */
