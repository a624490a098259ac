// CUDA kernels of the fused meta-attribution projection (see native/include/tve_kernel.h).
//
// Versions, llm.c style (cuda/projection_tester.cu validates and times each one):
//   v1  one thread per (image, target, patch): the plain port. W rows read from global memory by
//       every thread, uncoalesced E reads; a second kernel post-processes one map per thread.
//   v2  one block per (image, target): the (contrastive) W row staged in shared memory, one warp
//       per patch with coalesced reads and a shuffle reduction, post-processing fused in the block.
//   v3  v2 with float4 loads, two patch rows in flight per warp, and each map split over several
//       blocks so that every SM streams; the last block of a map (atomic ticket) post-processes it.
#pragma once

#include <cuda_runtime.h>

#include "projection_internal.h"

namespace tve {
namespace cuda {

// Device-side view of one projection call.
struct Args {
  const float* e_pos;
  const float* e_neg;
  const float* weight;
  const float* bias;
  const int32_t* targets;
  const int32_t* foils;
  float* out_raw;      // [B*K*P], always present on the device (scratch when the caller wants none)
  float* out_map;      // [B*K*P] or null
  int32_t* bad;        // [B]: set to 1 when a raw value of that image is not finite
  uint32_t* tickets;   // [B*K]: v3 arrival counters, zeroed before launch
  long long batch, rows, dim, classes, k;
  int grid, row0, smooth, norm;
  float lp, ln, eps;
  bool pos, neg;       // sides read (pointer present and lambda non-zero)
};

__device__ inline float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ inline float combine(const Args& a, float sp, float sn, float c) {
  // The bias once, as (lambda+ - lambda-) * c: added to each dot and then subtracted, a large c cancelled in float32.
  return (a.pos ? a.lp * sp : 0.f) - (a.neg ? a.ln * sn : 0.f) + ((a.pos ? a.lp : 0.f) - (a.neg ? a.ln : 0.f)) * c;
}

// ---------------------------------------------------------------------------------------------
// v1
__global__ void project_v1_raw(Args a) {
  const long long P = (long long)a.grid * a.grid;
  const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= a.batch * a.k * P) return;
  const long long bt = idx / P, p = idx % P, b = bt / a.k;
  const int k = a.targets[bt], j = a.foils ? a.foils[bt] : -1;
  const float* wk = a.weight + (long long)k * a.dim;
  const float* wj = j >= 0 ? a.weight + (long long)j * a.dim : nullptr;
  const long long row = (b * a.rows + a.row0 + p) * a.dim;
  float sp = 0.f, sn = 0.f;
  for (long long d = 0; d < a.dim; ++d) {
    const float w = wj ? wk[d] - wj[d] : wk[d];
    if (a.pos) sp += w * a.e_pos[row + d];
    if (a.neg) sn += w * a.e_neg[row + d];
  }
  const float c = (a.bias ? a.bias[k] : 0.f) - (j >= 0 && a.bias ? a.bias[j] : 0.f);
  const float v = combine(a, sp, sn, c);
  a.out_raw[idx] = v;
  if (!isfinite(v)) a.bad[b] = 1;
}

__global__ void postprocess_v1(Args a, float* tmp) {
  const long long P = (long long)a.grid * a.grid;
  const long long m = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (m >= a.batch * a.k) return;
  float* map = a.out_map + m * P;
  for (long long i = 0; i < P; ++i) map[i] = a.out_raw[m * P + i];
  postprocess(map, a.grid, a.smooth, a.norm, a.eps, tmp + m * P);
}

// ---------------------------------------------------------------------------------------------
// Block-level post-processing of one g x g map held in shared memory (map, tmp: P floats each).

__device__ inline void block_minmax(float* map, int P, float eps, float* red) {
  // red: 2 * 32 floats of shared scratch
  float mn = INFINITY, mx = -INFINITY;
  for (int i = threadIdx.x; i < P; i += blockDim.x) {
    mn = fminf(mn, map[i]);
    mx = fmaxf(mx, map[i]);
  }
  for (int o = 16; o > 0; o >>= 1) {
    mn = fminf(mn, __shfl_xor_sync(0xffffffffu, mn, o));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  if (lane == 0) {
    red[warp] = mn;
    red[32 + warp] = mx;
  }
  __syncthreads();
  mn = red[0];
  mx = red[32];
  for (int w = 1; w < nwarps; ++w) {
    mn = fminf(mn, red[w]);
    mx = fmaxf(mx, red[32 + w]);
  }
  const float range = mx - mn, scale = fmaxf(fabsf(mn), fabsf(mx));
  const bool constant = !(range > eps * scale) || !(range > 0.f);
  const float inv = constant ? 0.f : 1.f / range;
  __syncthreads();  // everyone has read red before it is reused
  for (int i = threadIdx.x; i < P; i += blockDim.x) map[i] = constant ? 0.f : (map[i] - mn) * inv;
  __syncthreads();
}

__device__ inline void block_box(float* map, float* tmp, int g, int s) {
  const int P = g * g;
  for (int i = threadIdx.x; i < P; i += blockDim.x) {
    const int y = i / g, x = i % g;
    const int y0 = max(0, y - s), y1 = min(g - 1, y + s), x0 = max(0, x - s), x1 = min(g - 1, x + s);
    float sum = 0.f;
    for (int yy = y0; yy <= y1; ++yy)
      for (int xx = x0; xx <= x1; ++xx) sum += map[yy * g + xx];
    tmp[i] = sum / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
  }
  __syncthreads();
  for (int i = threadIdx.x; i < P; i += blockDim.x) map[i] = tmp[i];
  __syncthreads();
}

__device__ inline void block_postprocess(const Args& a, float* map, float* tmp, float* red) {
  const int P = a.grid * a.grid;
  if (a.norm == TVE_NORM_REFERENCE) block_minmax(map, P, a.eps, red);
  if (a.smooth > 0) block_box(map, tmp, a.grid, a.smooth);
  if (a.norm != TVE_NORM_NONE) block_minmax(map, P, a.eps, red);
}

// Stages w = W[k] - W[j] (or W[k]) in shared memory; returns the combined bias.
__device__ inline float stage_row(const Args& a, long long bt, float* w) {
  const int k = a.targets[bt], j = a.foils ? a.foils[bt] : -1;
  const float* wk = a.weight + (long long)k * a.dim;
  const float* wj = j >= 0 ? a.weight + (long long)j * a.dim : nullptr;
  for (long long d = threadIdx.x; d < a.dim; d += blockDim.x) w[d] = wj ? wk[d] - wj[d] : wk[d];
  __syncthreads();
  return (a.bias ? a.bias[k] : 0.f) - (j >= 0 && a.bias ? a.bias[j] : 0.f);
}

// ---------------------------------------------------------------------------------------------
// v2: one block per (image, target). Shared memory: w[dim], map[P], tmp[P], red[64].
__global__ void project_v2(Args a) {
  extern __shared__ float smem[];
  const int P = a.grid * a.grid;
  float* w = smem;
  float* map = w + a.dim;
  float* tmp = map + P;
  float* red = tmp + P;
  const long long bt = blockIdx.x, b = bt / a.k;
  const float c = stage_row(a, bt, w);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  for (int p = warp; p < P; p += nwarps) {
    const long long row = (b * a.rows + a.row0 + p) * a.dim;
    float sp = 0.f, sn = 0.f;
    for (long long d = lane; d < a.dim; d += 32) {
      if (a.pos) sp += w[d] * a.e_pos[row + d];
      if (a.neg) sn += w[d] * a.e_neg[row + d];
    }
    sp = warp_sum(sp);
    sn = warp_sum(sn);
    if (lane == 0) {
      const float v = combine(a, sp, sn, c);
      map[p] = v;
      a.out_raw[bt * P + p] = v;
      if (!isfinite(v)) a.bad[b] = 1;
    }
  }
  __syncthreads();
  if (!a.out_map) return;
  block_postprocess(a, map, tmp, red);
  for (int i = threadIdx.x; i < P; i += blockDim.x) a.out_map[bt * P + i] = map[i];
}

// ---------------------------------------------------------------------------------------------
// v3: grid (B*K, splits). Block (bt, s) handles patches s, s + splits, ... of map bt.
// Requires dim % 4 == 0 (16-byte aligned rows); the launcher falls back to v2 otherwise.
__device__ inline float dot4(const float4 a, const float4 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
}

__global__ void project_v3(Args a) {
  extern __shared__ float smem[];
  const int P = a.grid * a.grid;
  float* w = smem;  // dim floats, 16-byte aligned (dynamic shared memory starts aligned)
  float* map = w + a.dim;
  float* tmp = map + P;
  float* red = tmp + P;
  __shared__ bool last;
  const long long bt = blockIdx.x, b = bt / a.k;
  const int split = blockIdx.y, splits = gridDim.y;
  const float c = stage_row(a, bt, w);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  const long long d4 = a.dim / 4;
  const float4* w4 = reinterpret_cast<const float4*>(w);
  // Patches of this block: split + splits * i; warps take two at a time.
  const int mine = (P - split + splits - 1) / splits;
  for (int i = 2 * warp; i < mine; i += 2 * nwarps) {
    const int p0 = split + splits * i;
    const bool two = i + 1 < mine;
    const int p1 = two ? p0 + splits : p0;
    const float4* ep0 = reinterpret_cast<const float4*>(a.e_pos + (b * a.rows + a.row0 + p0) * a.dim);
    const float4* ep1 = reinterpret_cast<const float4*>(a.e_pos + (b * a.rows + a.row0 + p1) * a.dim);
    const float4* en0 = reinterpret_cast<const float4*>(a.e_neg + (b * a.rows + a.row0 + p0) * a.dim);
    const float4* en1 = reinterpret_cast<const float4*>(a.e_neg + (b * a.rows + a.row0 + p1) * a.dim);
    float sp0 = 0.f, sp1 = 0.f, sn0 = 0.f, sn1 = 0.f;
    for (long long d = lane; d < d4; d += 32) {
      const float4 wv = w4[d];
      if (a.pos) {
        sp0 += dot4(wv, __ldg(ep0 + d));
        sp1 += dot4(wv, __ldg(ep1 + d));
      }
      if (a.neg) {
        sn0 += dot4(wv, __ldg(en0 + d));
        sn1 += dot4(wv, __ldg(en1 + d));
      }
    }
    sp0 = warp_sum(sp0);
    sn0 = warp_sum(sn0);
    sp1 = warp_sum(sp1);
    sn1 = warp_sum(sn1);
    if (lane == 0) {
      const float v0 = combine(a, sp0, sn0, c);
      a.out_raw[bt * P + p0] = v0;
      bool ok = isfinite(v0);
      if (two) {
        const float v1 = combine(a, sp1, sn1, c);
        a.out_raw[bt * P + p1] = v1;
        ok = ok && isfinite(v1);
      }
      if (!ok) a.bad[b] = 1;
    }
  }
  if (!a.out_map) return;
  // Last block of this map to arrive post-processes it (threadfence: raw writes visible first).
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&a.tickets[bt], 1u) == (unsigned)(splits - 1);
  __syncthreads();
  if (!last) return;
  __threadfence();
  for (int i = threadIdx.x; i < P; i += blockDim.x) map[i] = __ldcg(a.out_raw + bt * P + i);
  __syncthreads();
  block_postprocess(a, map, tmp, red);
  for (int i = threadIdx.x; i < P; i += blockDim.x) a.out_map[bt * P + i] = map[i];
}

// Shared memory bytes of v2 / v3.
inline size_t fused_smem_bytes(long long dim, int grid) {
  return sizeof(float) * ((size_t)dim + 2 * (size_t)grid * grid + 64);
}

// Splits per map for v3: enough blocks to fill every SM several times, at most one per 2 warps'
// worth of patches.
inline int v3_splits(long long maps, int P, int sms) {
  long long want = (4LL * sms + maps - 1) / maps;
  long long cap = (P + 15) / 16;
  if (want > cap) want = cap;
  return want < 1 ? 1 : (int)want;
}

// Launches a version on device buffers already in a. Returns the launch error.
inline cudaError_t launch(int version, const Args& a, float* tmp_v1, int sms, cudaStream_t stream) {
  const long long maps = a.batch * a.k;
  const int P = a.grid * a.grid;
  const size_t smem = fused_smem_bytes(a.dim, a.grid);
  if (version == 1) {
    const long long n = maps * P;
    project_v1_raw<<<(unsigned)((n + 255) / 256), 256, 0, stream>>>(a);
    if (a.out_map) postprocess_v1<<<(unsigned)((maps + 127) / 128), 128, 0, stream>>>(a, tmp_v1);
  } else if (version == 2 || a.dim % 4 != 0) {
    project_v2<<<(unsigned)maps, 256, smem, stream>>>(a);
  } else {
    dim3 grid((unsigned)maps, (unsigned)v3_splits(maps, P, sms));
    if (a.out_map) cudaMemsetAsync(a.tickets, 0, sizeof(uint32_t) * maps, stream);
    project_v3<<<grid, 256, smem, stream>>>(a);
  }
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace tve
