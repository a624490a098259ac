/*
 * tve_probe.h - bandwidth references for the benchmarks (libtveruntime), on the same OpenMP
 * threads as the kernel. Not part of the kernel's ABI (tve_kernel.h).
 */
#ifndef TVE_PROBE_H
#define TVE_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* tve_read_floor: sum of a[0..n) and b[0..n) (b may be NULL), vectorised with several
 * accumulators; the least work any kernel reading a and b must do.
 * tve_triad: STREAM triad a[i] = b[i] + s * c[i]. */
double tve_read_floor(const float* a, const float* b, int64_t n, int32_t threads);
void tve_triad(float* a, const float* b, const float* c, float s, int64_t n, int32_t threads);

#ifdef __cplusplus
}
#endif

#endif /* TVE_PROBE_H */
