/*
 * tve_kernel.h - C ABI of the TVE native kernel library (libtvekernel).
 *
 * The fused meta-attribution projection (README, "The projection kernel"): for image b and target t with class k
 * (and optional foil j), with w = W[k] - W[j] and c = bias[k] - bias[j],
 *
 *     raw[b,t,p] = lambda_pos * (w . E+[b,p] + c) - lambda_neg * (w . E-[b,p] + c)
 *
 * over the g*g patch rows of E (a [CLS] row, first or last, is skipped). The map is then
 * optionally box-smoothed and normalised. E+ and E- are read exactly once; only the requested
 * W rows are touched. Output [B, K, g, g] is row-major with row = y, oriented like the image.
 *
 * Every function is reentrant: it keeps no state between calls, so one library may be called from
 * many threads at once.
 *
 * Versioning: this header is the stable C ABI of the kernel and nothing else (process policies live
 * in tve_runtime.h, benchmark probes in tve_probe.h, both in libtveruntime). TVE_KERNEL_ABI_VERSION
 * changes whenever a struct layout, an enum value or a function signature here changes; callers
 * compare it with tve_abi_version() at load time. Fields are only ever appended to the structs, so a
 * caller built against an older minor layout keeps working when the version says so.
 *   1: first release (projection, facts, probes and runtime policies in one header).
 *   2: probes and runtime policies moved out to libtveruntime; tve_abi_version() added.
 */
#ifndef TVE_KERNEL_H
#define TVE_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TVE_KERNEL_ABI_VERSION 2

/* Where the pointers of a tve_projection live. Only host memory is served today; the field is in
 * the ABI so that device tensors can be passed later without breaking callers. */
enum { TVE_MEMORY_HOST = 0, TVE_MEMORY_DEVICE = 1 };

/* Which implementation runs. AUTO = C++ for host memory, CUDA for device memory. */
enum { TVE_BACKEND_AUTO = 0, TVE_BACKEND_CPU = 1, TVE_BACKEND_CUDA = 2 };

/* Which CPU instruction path runs (CPU backend). AUTO = the widest the CPU supports. */
enum { TVE_ISA_AUTO = 0, TVE_ISA_SCALAR = 1, TVE_ISA_AVX2 = 2, TVE_ISA_AVX512 = 3 };

/* Post-processing of the map (raw output is never post-processed).
 * NONE: raw map, box-smoothed when smooth_radius > 0.
 * MINMAX: box-smoothed when smooth_radius > 0, then min-max to [0, 1].
 * REFERENCE: the reference code's chain: min-max, box average of radius smooth_radius, min-max. */
enum { TVE_NORM_NONE = 0, TVE_NORM_MINMAX = 1, TVE_NORM_REFERENCE = 2 };

/* Position of the extra [CLS] row in E's P dimension. */
enum { TVE_CLS_NONE = 0, TVE_CLS_FIRST = 1, TVE_CLS_LAST = 2 };

/* Status codes returned by tve_project. */
enum {
  TVE_OK = 0,
  TVE_ERR_ARGUMENT = 1,      /* a shape, index or option is invalid; tve_result.message says which */
  TVE_ERR_UNSUPPORTED = 2,   /* a forced backend or ISA is not available here */
  TVE_ERR_NONFINITE = 3,     /* NaN or Inf met; tve_result.nonfinite_* say where */
  TVE_ERR_CUDA = 4           /* a CUDA call failed; tve_result.message has the CUDA error */
};

/* Bits of tve_result.nonfinite_flags. */
enum { TVE_NONFINITE_EPOS = 1, TVE_NONFINITE_ENEG = 2, TVE_NONFINITE_HEAD = 4 };

typedef struct tve_projection {
  const float* e_pos;      /* [batch, rows, dim] or NULL */
  const float* e_neg;      /* [batch, rows, dim] or NULL (at least one of e_pos, e_neg) */
  const float* weight;     /* [classes, dim]: one head, or several heads' rows stacked */
  const float* bias;       /* [classes] or NULL (zero bias) */
  const int32_t* targets;  /* [batch, k] row indices into weight */
  const int32_t* foils;    /* [batch, k] row indices or -1 (no foil), or NULL (no foils) */
  float* out_raw;          /* [batch, k, grid, grid] raw signed map, or NULL */
  float* out_map;          /* [batch, k, grid, grid] post-processed map, or NULL */
  int64_t batch, rows, dim, classes, k;
  int32_t grid;            /* g: rows == g*g, or g*g + 1 with a [CLS] row */
  int32_t cls_row;         /* TVE_CLS_* */
  float lambda_pos, lambda_neg;
  int32_t smooth_radius;   /* box radius s >= 0; 0 = no smoothing */
  int32_t normalization;   /* TVE_NORM_* */
  float epsilon;           /* a map whose range <= epsilon * max|value| is constant: it maps to 0 */
  int32_t memory;          /* TVE_MEMORY_* */
  int32_t backend;         /* TVE_BACKEND_* */
  int32_t isa;             /* TVE_ISA_* (CPU backend) */
  int32_t threads;         /* CPU threads; <= 0 = all cores */
} tve_projection;

typedef struct tve_result {
  int32_t backend;          /* the backend that ran */
  int32_t isa;              /* the ISA that ran (CPU backend) */
  int32_t nonfinite_flags;  /* TVE_NONFINITE_* bits */
  int64_t nonfinite_image;  /* first image (or head row for TVE_NONFINITE_HEAD) met, else -1 */
  char message[256];        /* NUL-terminated reason for a non-OK status */
} tve_result;

/* Runs the projection. Returns a TVE_* status and fills *result (which must not be NULL). */
int tve_project(const tve_projection* args, tve_result* result);

/* Library facts. */
int tve_abi_version(void);               /* TVE_KERNEL_ABI_VERSION of the library */
const char* tve_version(void);           /* the project version the library was built as */
int tve_cpu_isa_supported(int32_t isa);  /* 1 when this CPU can run the ISA path */
int tve_cpu_best_isa(void);              /* the ISA that AUTO picks */
int tve_cpu_threads(void);               /* threads that threads <= 0 means */
int tve_cuda_compiled(void);             /* 1 when the library carries CUDA kernels */
int tve_cuda_device_count(void);         /* devices usable by the kernels; 0 without driver or GPU */

#ifdef __cplusplus
}
#endif

#endif /* TVE_KERNEL_H */
