// Internal pieces shared by the CPU and CUDA back ends of tve_project (not part of the C ABI).
#ifndef TVE_PROJECTION_INTERNAL_H
#define TVE_PROJECTION_INTERNAL_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdarg>

#include "tve_kernel.h"

// Post-processing helpers run on the host and inside the CUDA kernels.
#ifdef __CUDACC__
#define TVE_HD __host__ __device__
#else
#define TVE_HD
#endif

namespace tve {

// Writes a formatted reason into result->message and returns code.
inline int fail(tve_result* result, int code, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(result->message, sizeof(result->message), fmt, ap);
  va_end(ap);
  return code;
}

// Index of the first patch row in E (skips a leading [CLS] row).
inline int64_t first_patch_row(const tve_projection& a) { return a.cls_row == TVE_CLS_FIRST ? 1 : 0; }

// Checks shapes, indices and options (not the data: NaN/Inf is caught in the kernel's pass).
int validate(const tve_projection& a, tve_result* result);

// One pass of the box average along y: out[y] = mean of in's rows y-s..y+s that exist. Loops
// over whole rows (x innermost), which the compiler vectorises.
TVE_HD inline void box_columns(const float* __restrict__ in, int g, int s, float* __restrict__ out) {
  for (int y = 0; y < g; ++y) {
    const int y0 = y - s < 0 ? 0 : y - s, y1 = y + s >= g ? g - 1 : y + s;
    const float inv = 1.f / (float)(y1 - y0 + 1);  // a reciprocal, not a division per cell
    float* __restrict__ row = out + y * g;
    for (int x = 0; x < g; ++x) row[x] = 0.f;
    for (int yy = y0; yy <= y1; ++yy)
      for (int x = 0; x < g; ++x) row[x] += in[yy * g + x];
    for (int x = 0; x < g; ++x) row[x] *= inv;
  }
}

TVE_HD inline void transpose(const float* __restrict__ in, int g, float* __restrict__ out) {
  for (int y = 0; y < g; ++y)
    for (int x = 0; x < g; ++x) out[x * g + y] = in[y * g + x];
}

// Box average of radius s over a g x g map; borders average only the cells inside (padding is not
// counted), as the reference's avg_pool2d(count_include_pad=False). tmp holds g*g floats.
TVE_HD inline void box_filter(float* map, int g, int s, float* tmp) {
  // Separable: columns, then rows as columns of the transpose; each pass divides by the in-bounds
  // count of its own axis, which equals dividing by the 2-D in-bounds count because the window is
  // a product of intervals. (Per-cell loops with clipped bounds did not vectorise and were most of
  // the post-processing's cost on small grids.)
  box_columns(map, g, s, tmp);
  transpose(tmp, g, map);
  box_columns(map, g, s, tmp);
  transpose(tmp, g, map);
}

// Min-max to [0, 1]; a map whose range is at most eps * max|value| is constant and becomes 0.
TVE_HD inline void minmax(float* map, int64_t n, float eps) {
  // Eight running minima and maxima: with one, each compare waited for the one before.
  constexpr int L = 8;
  float mns[L], mxs[L];
  for (int j = 0; j < L; ++j) mns[j] = mxs[j] = map[0];
  const int64_t full = n - n % L;
  for (int64_t i = 0; i < full; i += L)
    for (int j = 0; j < L; ++j) {
      mns[j] = map[i + j] < mns[j] ? map[i + j] : mns[j];
      mxs[j] = map[i + j] > mxs[j] ? map[i + j] : mxs[j];
    }
  for (int64_t i = full; i < n; ++i) {
    mns[i - full] = map[i] < mns[i - full] ? map[i] : mns[i - full];
    mxs[i - full] = map[i] > mxs[i - full] ? map[i] : mxs[i - full];
  }
  float mn = mns[0], mx = mxs[0];
  for (int j = 1; j < L; ++j) {
    mn = mns[j] < mn ? mns[j] : mn;
    mx = mxs[j] > mx ? mxs[j] : mx;
  }
  float range = mx - mn;
  float scale = fabsf(mn) > fabsf(mx) ? fabsf(mn) : fabsf(mx);
  if (!(range > eps * scale) || !(range > 0.f)) {
    for (int64_t i = 0; i < n; ++i) map[i] = 0.f;
    return;
  }
  float inv = 1.f / range;
  for (int64_t i = 0; i < n; ++i) map[i] = (map[i] - mn) * inv;
}

// The post-processing chain of tve_projection.normalization; tmp holds g*g floats.
TVE_HD inline void postprocess(float* map, int g, int s, int normalization, float eps, float* tmp) {
  const int64_t n = (int64_t)g * g;
  switch (normalization) {
    case TVE_NORM_NONE:
      if (s > 0) box_filter(map, g, s, tmp);
      break;
    case TVE_NORM_MINMAX:
      if (s > 0) box_filter(map, g, s, tmp);
      minmax(map, n, eps);
      break;
    case TVE_NORM_REFERENCE:
      minmax(map, n, eps);
      if (s > 0) box_filter(map, g, s, tmp);
      minmax(map, n, eps);
      break;
  }
}

int project_cpu(const tve_projection& a, tve_result* result);

#ifdef TVE_WITH_CUDA
int project_cuda(const tve_projection& a, tve_result* result);
int cuda_device_count();
#endif

}  // namespace tve

#endif
