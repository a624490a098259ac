// CPU back end of tve_project: one pass over E+ and E-, AVX-512 / AVX2 / scalar chosen at run time.
//
// Work is split into (image, tile of TILE patches). A tile of E+ and E- rows (TILE * dim * 8 bytes)
// stays in L2 while every requested W row is dotted with it, so E is read from memory exactly once
// whatever K is. When a whole image's rows are small (the embedded default's 50 KB) and there are
// enough images to share out, a work item is the whole image and its maps are post-processed in
// the same item while still in L1: no second pass over the maps, no barrier between the phases.
// The micro-kernel dots one W row with four patch rows of E+ and four of E- at once: eight
// independent FMA chains, and each W vector is loaded once for eight products.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "projection_internal.h"

namespace tve {
namespace {

constexpr int GROUP = 4;   // patch rows per micro-kernel call
constexpr int TILE = 16;   // patch rows per work item (L2-resident tile)
constexpr int64_t WHOLE_IMAGE_BYTES = 256 << 10;  // E rows of one image that make one work item

// Micro-kernels: sp[i] = w . ep[i], sn[i] = w . en[i] for i < GROUP; ep / en are ignored when the
// template says the side is absent.
template <bool POS, bool NEG>
inline void dots_scalar(const float* w, const float* const* ep, const float* const* en, int64_t dim,
                 float* sp, float* sn) {
  float ap[GROUP] = {0}, an[GROUP] = {0};
  for (int64_t d = 0; d < dim; ++d) {
    const float wd = w[d];
    for (int i = 0; i < GROUP; ++i) {
      if (POS) ap[i] += wd * ep[i][d];
      if (NEG) an[i] += wd * en[i][d];
    }
  }
  for (int i = 0; i < GROUP; ++i) {
    sp[i] = ap[i];
    sn[i] = an[i];
  }
}

// [sum(v[0]), sum(v[1]), sum(v[2]), sum(v[3])] of four 8-lane vectors.
__attribute__((target("avx2,fma"))) inline __m128 hsum4(const __m256* v) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// The same for 16-lane vectors: halves added first, then as above.
__attribute__((target("avx512f,avx2,fma"))) inline __m128 hsum4(const __m512* v) {
  __m256 h[4];
  for (int i = 0; i < 4; ++i)
    h[i] = _mm256_add_ps(_mm512_castps512_ps256(v[i]),
                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v[i]), 1)));
  return hsum4(h);
}

template <bool POS, bool NEG>
__attribute__((target("avx2,fma"))) inline void dots_avx2(const float* w, const float* const* ep,
                                                     const float* const* en, int64_t dim, float* sp,
                                                     float* sn) {
  __m256 ap[GROUP], an[GROUP];
  for (int i = 0; i < GROUP; ++i) ap[i] = an[i] = _mm256_setzero_ps();
  int64_t d = 0;
  for (; d + 8 <= dim; d += 8) {
    const __m256 wv = _mm256_loadu_ps(w + d);
    for (int i = 0; i < GROUP; ++i) {
      if (POS) ap[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(ep[i] + d), ap[i]);
      if (NEG) an[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(en[i] + d), an[i]);
    }
  }
  if (d < dim) {  // masked tail: never reads past the row
    alignas(32) int32_t bits[8];
    for (int j = 0; j < 8; ++j) bits[j] = (d + j < dim) ? -1 : 0;
    const __m256i m = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
    const __m256 wv = _mm256_maskload_ps(w + d, m);
    for (int i = 0; i < GROUP; ++i) {
      if (POS) ap[i] = _mm256_fmadd_ps(wv, _mm256_maskload_ps(ep[i] + d, m), ap[i]);
      if (NEG) an[i] = _mm256_fmadd_ps(wv, _mm256_maskload_ps(en[i] + d, m), an[i]);
    }
  }
  // The four sums of a side at once (3 hadd): per-row reductions cost as much as the dots at D = 128.
  for (int q = 0; q < GROUP; q += 4) {
    if (POS) _mm_storeu_ps(sp + q, hsum4(ap + q));
    if (NEG) _mm_storeu_ps(sn + q, hsum4(an + q));
  }
}

template <bool POS, bool NEG>
__attribute__((target("avx512f,avx2,fma"))) inline void dots_avx512(const float* w, const float* const* ep,
                                                      const float* const* en, int64_t dim, float* sp,
                                                      float* sn) {
  __m512 ap[GROUP], an[GROUP];
  for (int i = 0; i < GROUP; ++i) ap[i] = an[i] = _mm512_setzero_ps();
  int64_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    const __m512 wv = _mm512_loadu_ps(w + d);
    for (int i = 0; i < GROUP; ++i) {
      if (POS) ap[i] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(ep[i] + d), ap[i]);
      if (NEG) an[i] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(en[i] + d), an[i]);
    }
  }
  if (d < dim) {  // masked tail: masked-off lanes are not read
    const __mmask16 m = (__mmask16)((1u << (dim - d)) - 1u);
    const __m512 wv = _mm512_maskz_loadu_ps(m, w + d);
    for (int i = 0; i < GROUP; ++i) {
      if (POS) ap[i] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, ep[i] + d), ap[i]);
      if (NEG) an[i] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, en[i] + d), an[i]);
    }
  }
  // The four sums of a side at once: see dots_avx2.
  for (int q = 0; q < GROUP; q += 4) {
    if (POS) _mm_storeu_ps(sp + q, hsum4(ap + q));
    if (NEG) _mm_storeu_ps(sn + q, hsum4(an + q));
  }
}

// One (image, target) over patch rows [p0, p1): each row dotted with w, the bias added once as
// (lambda+ - lambda-) * c (added to each dot and then subtracted, a large c cancelled in float32:
// relative error 3.7e-3 at c = 1000), written to out[p]. Returns whether every value is finite.
// Inlined into one function per ISA with its micro-kernel, so that the per-group bookkeeping
// (row pointers, the combine, the finiteness test) compiles together with the dots: at D = 128
// a call through a pointer per group of rows cost as much as the dots themselves.
template <bool POS, bool NEG, void (*DOTS)(const float*, const float* const*, const float* const*, int64_t, float*, float*)>
__attribute__((always_inline)) inline bool rows(const float* w, float c, const float* ep_img, const float* en_img,
                                                int64_t p0, int64_t p1, int64_t dim, float lp, float ln, float* out) {
  const float cb = ((POS ? lp : 0.f) - (NEG ? ln : 0.f)) * c;
  bool finite = true;
  for (int64_t p = p0; p < p1; p += GROUP) {
    const float* ep[GROUP];
    const float* en[GROUP];
    for (int i = 0; i < GROUP; ++i) {  // short groups repeat their last row
      const int64_t q = std::min(p + i, p1 - 1);
      ep[i] = POS ? ep_img + q * dim : nullptr;
      en[i] = NEG ? en_img + q * dim : nullptr;
    }
    float sp[GROUP], sn[GROUP];
    DOTS(w, ep, en, dim, sp, sn);
    const int n = (int)std::min<int64_t>(GROUP, p1 - p);
    for (int i = 0; i < n; ++i) {
      const float v = (POS ? lp * sp[i] : 0.f) - (NEG ? ln * sn[i] : 0.f) + cb;
      finite &= std::isfinite(v);
      out[p + i] = v;
    }
  }
  return finite;
}

using RowsFn = bool (*)(const float* w, float c, const float* ep_img, const float* en_img, int64_t p0, int64_t p1,
                        int64_t dim, float lp, float ln, float* out);

template <bool POS, bool NEG>
bool rows_scalar(const float* w, float c, const float* ep, const float* en, int64_t p0, int64_t p1, int64_t dim,
                 float lp, float ln, float* out) {
  return rows<POS, NEG, dots_scalar<POS, NEG>>(w, c, ep, en, p0, p1, dim, lp, ln, out);
}

template <bool POS, bool NEG>
__attribute__((target("avx2,fma"))) bool rows_avx2(const float* w, float c, const float* ep, const float* en,
                                                    int64_t p0, int64_t p1, int64_t dim, float lp, float ln,
                                                    float* out) {
  return rows<POS, NEG, dots_avx2<POS, NEG>>(w, c, ep, en, p0, p1, dim, lp, ln, out);
}

template <bool POS, bool NEG>
__attribute__((target("avx512f,avx2,fma"))) bool rows_avx512(const float* w, float c, const float* ep,
                                                               const float* en, int64_t p0, int64_t p1, int64_t dim,
                                                               float lp, float ln, float* out) {
  return rows<POS, NEG, dots_avx512<POS, NEG>>(w, c, ep, en, p0, p1, dim, lp, ln, out);
}

template <bool POS, bool NEG>
RowsFn pick(int isa) {
  switch (isa) {
    case TVE_ISA_AVX512: return rows_avx512<POS, NEG>;
    case TVE_ISA_AVX2: return rows_avx2<POS, NEG>;
    default: return rows_scalar<POS, NEG>;
  }
}

RowsFn pick_rows(int isa, bool pos, bool neg) {
  if (pos && neg) return pick<true, true>(isa);
  if (pos) return pick<true, false>(isa);
  return pick<false, true>(isa);
}

// Post-processing with the grid as a compile-time constant for common grids (7: the embedded
// default, 56 px at patch 8, and 224 px at patch 32; 8; 14: 224 px at patch 16; 16: 256 px at
// patch 16): the box filter's short rows then unroll and vectorise, which they do not with g known
// only at run time.
using PostFn = void (*)(float* map, int g, int s, int normalization, float eps, float* tmp);

template <int G>
void post_fixed(float* map, int, int s, int normalization, float eps, float* tmp) {
  postprocess(map, G, s, normalization, eps, tmp);
}

void post_any(float* map, int g, int s, int normalization, float eps, float* tmp) {
  postprocess(map, g, s, normalization, eps, tmp);
}

PostFn pick_post(int grid) {
  switch (grid) {
    case 7: return post_fixed<7>;
    case 8: return post_fixed<8>;
    case 14: return post_fixed<14>;
    case 16: return post_fixed<16>;
    default: return post_any;
  }
}

bool row_finite(const float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

// After the pass found a non-finite value for image b: says which input carried it. Runs only on
// the failure path, so the normal path stays a single pass.
int diagnose(const tve_projection& a, int64_t b, const float* const* wrows, const float* cbias,
             bool pos, bool neg, tve_result* result) {
  const int64_t P = (int64_t)a.grid * a.grid, r0 = first_patch_row(a);
  int flags = 0;
  for (int64_t t = 0; t < a.k; ++t)
    if (!row_finite(wrows[b * a.k + t], a.dim) || !std::isfinite(cbias[b * a.k + t]))
      flags |= TVE_NONFINITE_HEAD;
  const float* e[2] = {pos ? a.e_pos : nullptr, neg ? a.e_neg : nullptr};
  for (int side = 0; side < 2; ++side) {
    if (!e[side]) continue;
    const float* img = e[side] + (b * a.rows + r0) * a.dim;
    if (!row_finite(img, P * a.dim)) flags |= side == 0 ? TVE_NONFINITE_EPOS : TVE_NONFINITE_ENEG;
  }
  result->nonfinite_flags = flags;
  result->nonfinite_image = b;
  if (flags == 0)
    return fail(result, TVE_ERR_NONFINITE,
                "image %lld: the projection overflowed float32 (inputs are finite but too large)",
                (long long)b);
  return fail(result, TVE_ERR_NONFINITE, "image %lld: NaN or Inf in%s%s%s", (long long)b,
              (flags & TVE_NONFINITE_EPOS) ? " e_pos" : "", (flags & TVE_NONFINITE_ENEG) ? " e_neg" : "",
              (flags & TVE_NONFINITE_HEAD) ? " head weight/bias rows" : "");
}

}  // namespace

int project_cpu(const tve_projection& a, tve_result* result) {
  const int isa = a.isa == TVE_ISA_AUTO ? tve_cpu_best_isa() : a.isa;
  if (!tve_cpu_isa_supported(isa))
    return fail(result, TVE_ERR_UNSUPPORTED, "ISA path %d is not supported by this CPU", isa);
  result->isa = isa;

  const int64_t B = a.batch, K = a.k, D = a.dim, P = (int64_t)a.grid * a.grid;
  const int64_t r0 = first_patch_row(a);
  // A side whose lambda is zero contributes nothing: it is not read.
  const bool pos = a.e_pos != nullptr && a.lambda_pos != 0.f;
  const bool neg = a.e_neg != nullptr && a.lambda_neg != 0.f;
  // Waking a second thread costs about a microsecond, the time to read some 100 KB: a call gets a
  // thread per 128 KB of E at most, so small calls (an image or two) run on the caller's thread.
  const int64_t image_bytes = P * D * (int64_t)sizeof(float) * ((pos ? 1 : 0) + (neg ? 1 : 0));
  const int threads = (int)std::max<int64_t>(
      1, std::min<int64_t>(a.threads > 0 ? a.threads : tve_cpu_threads(), B * image_bytes / (128 << 10)));

  // Per (image, target): the W row (or W_k - W_j for a foil) and its bias.
  std::vector<const float*> wrows(B * K);
  std::vector<float> cbias(B * K);
  std::vector<float> combined;
  int64_t n_foils = 0;
  if (a.foils)
    for (int64_t i = 0; i < B * K; ++i) n_foils += a.foils[i] >= 0;
  if (n_foils) combined.resize(n_foils * D);
  for (int64_t i = 0, f = 0; i < B * K; ++i) {
    const int32_t k = a.targets[i], j = a.foils ? a.foils[i] : -1;
    const float bk = a.bias ? a.bias[k] : 0.f;
    if (j < 0) {
      wrows[i] = a.weight + (int64_t)k * D;
      cbias[i] = bk;
    } else {
      float* dst = combined.data() + (f++) * D;
      const float *wk = a.weight + (int64_t)k * D, *wj = a.weight + (int64_t)j * D;
      for (int64_t d = 0; d < D; ++d) dst[d] = wk[d] - wj[d];
      wrows[i] = dst;
      cbias[i] = bk - (a.bias ? a.bias[j] : 0.f);
    }
  }

  std::vector<float> scratch;
  float* raw = a.out_raw;
  if (!raw) {
    scratch.resize(B * K * P);
    raw = scratch.data();
  }

  if (!pos && !neg) {  // both lambdas zero: the map is identically zero
    std::fill(raw, raw + B * K * P, 0.f);
    if (a.out_map) std::fill(a.out_map, a.out_map + B * K * P, 0.f);
    return TVE_OK;
  }

  const RowsFn rows_of = pick_rows(isa, pos, neg);
  const PostFn post = pick_post(a.grid);
  const bool whole = image_bytes <= WHOLE_IMAGE_BYTES && B >= 2 * (int64_t)threads;
  const int64_t tile = whole ? P : TILE, tiles = (P + tile - 1) / tile;
  const float lp = a.lambda_pos, ln = a.lambda_neg;
  std::atomic<int64_t> first_bad(INT64_MAX);
  // One parallel region for both phases: waking the team costs tens of microseconds, which shows
  // on small batches. The implicit barrier after the first loop orders raw before post-processing.
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> tmp(P);
    const auto map_of = [&](int64_t m) {  // post-processed map m from raw map m
      float* map = a.out_map + m * P;
      std::memcpy(map, raw + m * P, P * sizeof(float));
      post(map, a.grid, a.smooth_radius, a.normalization, a.epsilon, tmp.data());
    };
#pragma omp for schedule(static)
    for (int64_t item = 0; item < B * tiles; ++item) {
      const int64_t b = item / tiles, p0 = (item % tiles) * tile, p1 = std::min(P, p0 + tile);
      const float* ep_img = pos ? a.e_pos + (b * a.rows + r0) * D : nullptr;
      const float* en_img = neg ? a.e_neg + (b * a.rows + r0) * D : nullptr;
      bool finite = true;
      for (int64_t t = 0; t < K; ++t)
        finite &= rows_of(wrows[b * K + t], cbias[b * K + t], ep_img, en_img, p0, p1, D, lp, ln,
                          raw + (b * K + t) * P);
      if (!finite) {
        int64_t cur = first_bad.load();
        while (b < cur && !first_bad.compare_exchange_weak(cur, b)) {
        }
      } else if (whole && a.out_map) {
        for (int64_t m = b * K; m < (b + 1) * K; ++m) map_of(m);
      }
    }
    if (!whole && a.out_map) {
#pragma omp for schedule(static)
      for (int64_t m = 0; m < B * K; ++m) map_of(m);
    }
  }
  if (first_bad.load() != INT64_MAX)
    return diagnose(a, first_bad.load(), wrows.data(), cbias.data(), pos, neg, result);
  return TVE_OK;
}

}  // namespace tve
