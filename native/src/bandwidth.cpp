// Bandwidth references for the benchmarks: what reading E+ and E- costs at the least, and a
// STREAM-style triad. Vectorised by hand with several accumulators: a plain float loop does not
// vectorise without -ffast-math and would make the floor too slow.
#include <immintrin.h>
#include <omp.h>

#include "tve_probe.h"

namespace {

__attribute__((target("avx512f"))) double sum_avx512(const float* a, int64_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(a + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(a + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(a + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(a + i + 48));
  }
  double s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  for (; i < n; ++i) s += a[i];
  return s;
}

__attribute__((target("avx2"))) double sum_avx2(const float* a, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  double s = 0;
  for (float v : lanes) s += v;
  for (; i < n; ++i) s += a[i];
  return s;
}

double sum_range(const float* a, int64_t n) {  // one stream
  if (__builtin_cpu_supports("avx512f")) return sum_avx512(a, n);
  if (__builtin_cpu_supports("avx2")) return sum_avx2(a, n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i];
  return s;
}


// Eight concurrent streams, like the kernel's micro-kernel (four rows of E+ and four of E-): on
// this machine one or two sequential streams per core do not reach the memory bandwidth.
__attribute__((target("avx512f"))) double sum8_avx512(const float* a, const float* b, int64_t len) {
  const int64_t q = len / 4;
  const float* s[8] = {a, a + q, a + 2 * q, a + 3 * q, b, b + q, b + 2 * q, b + 3 * q};
  __m512 acc[8];
  for (int j = 0; j < 8; ++j) acc[j] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= q; i += 16)
    for (int j = 0; j < 8; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_loadu_ps(s[j] + i));
  double total = 0;
  for (int j = 0; j < 8; ++j) total += _mm512_reduce_add_ps(acc[j]);
  for (int j = 0; j < 8; ++j)
    for (int64_t t = i; t < q; ++t) total += s[j][t];
  total += sum_range(a + 4 * q, len - 4 * q) + sum_range(b + 4 * q, len - 4 * q);
  return total;
}

}  // namespace

extern "C" {

double tve_read_floor(const float* a, const float* b, int64_t n, int32_t threads) {
  const int nt = threads > 0 ? threads : omp_get_num_procs();
  const int64_t chunk = 1 << 14;  // per stream 4096 floats = 16 KiB, as a tile of the kernel
  const int64_t chunks = (n + chunk - 1) / chunk;
  const bool wide = b && __builtin_cpu_supports("avx512f");
  double total = 0;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(+ : total)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i0 = c * chunk, len = (i0 + chunk <= n ? chunk : n - i0);
    if (wide) {
      total += sum8_avx512(a + i0, b + i0, len);
    } else {
      total += sum_range(a + i0, len);
      if (b) total += sum_range(b + i0, len);
    }
  }
  return total;
}
void tve_triad(float* a, const float* b, const float* c, float s, int64_t n, int32_t threads) {
  const int nt = threads > 0 ? threads : omp_get_num_procs();
#pragma omp parallel for simd schedule(static) num_threads(nt)
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

}  // extern "C"
