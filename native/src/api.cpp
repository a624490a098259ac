// C ABI entry points: argument checks, back-end dispatch, library facts.
#include <omp.h>

#include <cstring>

#include "projection_internal.h"

#ifndef TVE_VERSION_STRING
#define TVE_VERSION_STRING "unknown"
#endif

namespace tve {

int validate(const tve_projection& a, tve_result* r) {
  if (!a.e_pos && !a.e_neg) return fail(r, TVE_ERR_ARGUMENT, "e_pos and e_neg are both null");
  if (!a.weight) return fail(r, TVE_ERR_ARGUMENT, "weight is null");
  if (!a.targets) return fail(r, TVE_ERR_ARGUMENT, "targets is null");
  if (!a.out_raw && !a.out_map) return fail(r, TVE_ERR_ARGUMENT, "out_raw and out_map are both null");
  if (a.batch < 0 || a.dim < 1 || a.classes < 1 || a.k < 1)
    return fail(r, TVE_ERR_ARGUMENT, "shape: batch=%lld dim=%lld classes=%lld k=%lld (need batch>=0, others>=1)",
                (long long)a.batch, (long long)a.dim, (long long)a.classes, (long long)a.k);
  if (a.grid < 1 || a.grid > 4096) return fail(r, TVE_ERR_ARGUMENT, "grid=%d (need 1..4096)", a.grid);
  if (a.cls_row < TVE_CLS_NONE || a.cls_row > TVE_CLS_LAST)
    return fail(r, TVE_ERR_ARGUMENT, "cls_row=%d", a.cls_row);
  const int64_t want = (int64_t)a.grid * a.grid + (a.cls_row == TVE_CLS_NONE ? 0 : 1);
  if (a.rows != want)
    return fail(r, TVE_ERR_ARGUMENT, "rows=%lld but grid %d with cls_row=%d needs %lld", (long long)a.rows,
                a.grid, a.cls_row, (long long)want);
  if (a.normalization < TVE_NORM_NONE || a.normalization > TVE_NORM_REFERENCE)
    return fail(r, TVE_ERR_ARGUMENT, "normalization=%d", a.normalization);
  if (a.smooth_radius < 0) return fail(r, TVE_ERR_ARGUMENT, "smooth_radius=%d (need >= 0)", a.smooth_radius);
  if (!std::isfinite(a.lambda_pos) || !std::isfinite(a.lambda_neg))
    return fail(r, TVE_ERR_ARGUMENT, "lambda_pos=%g lambda_neg=%g (need finite)", a.lambda_pos, a.lambda_neg);
  if (!(a.epsilon >= 0.f) || !std::isfinite(a.epsilon))
    return fail(r, TVE_ERR_ARGUMENT, "epsilon=%g (need finite, >= 0)", a.epsilon);
  for (int64_t i = 0; i < a.batch * a.k; ++i) {
    if (a.targets[i] < 0 || a.targets[i] >= a.classes)
      return fail(r, TVE_ERR_ARGUMENT, "targets[%lld]=%d out of range [0, %lld)", (long long)i, a.targets[i],
                  (long long)a.classes);
    if (a.foils && (a.foils[i] < -1 || a.foils[i] >= a.classes))
      return fail(r, TVE_ERR_ARGUMENT, "foils[%lld]=%d out of range [-1, %lld)", (long long)i, a.foils[i],
                  (long long)a.classes);
  }
  return TVE_OK;
}

}  // namespace tve

extern "C" {

int tve_project(const tve_projection* args, tve_result* result) {
  if (!result) return TVE_ERR_ARGUMENT;
  std::memset(result, 0, sizeof(*result));
  result->nonfinite_image = -1;
  if (!args) return tve::fail(result, TVE_ERR_ARGUMENT, "args is null");
  const tve_projection& a = *args;
  if (a.memory != TVE_MEMORY_HOST)
    return tve::fail(result, TVE_ERR_UNSUPPORTED, "memory=%d: only host memory is served in this version", a.memory);
  int rc = tve::validate(a, result);
  if (rc != TVE_OK) return rc;
  if (a.batch == 0) return TVE_OK;
  switch (a.backend) {
    case TVE_BACKEND_AUTO:  // host data: the C++ kernel (copying to a GPU does not pay, see README)
    case TVE_BACKEND_CPU:
      result->backend = TVE_BACKEND_CPU;
      return tve::project_cpu(a, result);
    case TVE_BACKEND_CUDA:
#ifdef TVE_WITH_CUDA
      result->backend = TVE_BACKEND_CUDA;
      return tve::project_cuda(a, result);
#else
      return tve::fail(result, TVE_ERR_UNSUPPORTED, "this library was built without CUDA");
#endif
    default:
      return tve::fail(result, TVE_ERR_ARGUMENT, "backend=%d", a.backend);
  }
}

int tve_abi_version(void) { return TVE_KERNEL_ABI_VERSION; }
const char* tve_version(void) { return TVE_VERSION_STRING; }

int tve_cpu_isa_supported(int32_t isa) {
  switch (isa) {
    case TVE_ISA_SCALAR: return 1;
    case TVE_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TVE_ISA_AVX512: return __builtin_cpu_supports("avx512f");
    default: return 0;
  }
}

int tve_cpu_best_isa(void) {
  if (tve_cpu_isa_supported(TVE_ISA_AVX512)) return TVE_ISA_AVX512;
  if (tve_cpu_isa_supported(TVE_ISA_AVX2)) return TVE_ISA_AVX2;
  return TVE_ISA_SCALAR;
}

int tve_cpu_threads(void) { return omp_get_num_procs(); }

int tve_cuda_compiled(void) {
#ifdef TVE_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

int tve_cuda_device_count(void) {
#ifdef TVE_WITH_CUDA
  return tve::cuda_device_count();
#else
  return 0;
#endif
}

}  // extern "C"
