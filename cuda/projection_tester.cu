// llm.c-style tester of the CUDA projection kernels.
//
//   projection_tester                 both standard shapes (paper's, then the embedded default's)
//   projection_tester B P D C K       one shape
//
// For each shape: the CPU reference (libtvekernel's scalar path, itself checked against the Java
// reference by the JUnit suite) computes raw and post-processed maps; the CUDA path is checked
// through the C ABI (tve_project with TVE_BACKEND_CUDA), then every kernel version is validated on
// device buffers and timed with CUDA events. Bandwidth counts the bytes a version must move: E+ and
// E- read once, the requested W rows, the maps written. The copy baseline is cudaMemcpy
// device-to-device of E+ and E- (it reads and writes those bytes; its GB/s counts both).
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "projection.cuh"

#define CHECK(call)                                                                        \
  do {                                                                                     \
    cudaError_t e_ = (call);                                                               \
    if (e_ != cudaSuccess) {                                                               \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
      std::exit(2);                                                                        \
    }                                                                                      \
  } while (0)

namespace {

struct Shape {
  long long B, P, D, C, K;
};

// Max |a - b| over n values, and whether all lie within tol.
bool close(const float* a, const float* b, size_t n, float tol, float* max_err) {
  float m = 0.f;
  bool ok = true;
  for (size_t i = 0; i < n; ++i) {
    const float e = std::fabs(a[i] - b[i]);
    if (!(e <= tol)) ok = false;
    if (e > m || std::isnan(e)) m = e;
  }
  *max_err = m;
  return ok;
}

template <typename F>
float time_ms(F&& f, int reps) {
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  for (int i = 0; i < 3; ++i) f();  // warm-up
  CHECK(cudaEventRecord(t0));
  for (int i = 0; i < reps; ++i) f();
  CHECK(cudaEventRecord(t1));
  CHECK(cudaEventSynchronize(t1));
  float ms = 0.f;
  CHECK(cudaEventElapsedTime(&ms, t0, t1));
  CHECK(cudaEventDestroy(t0));
  CHECK(cudaEventDestroy(t1));
  return ms / reps;
}

int run_shape(const Shape& s) {
  const int g = (int)std::lround(std::sqrt((double)s.P));
  if ((long long)g * g != s.P) {
    std::fprintf(stderr, "P=%lld is not a square\n", s.P);
    return 2;
  }
  std::printf("\n== shape B=%lld P=%lld (grid %dx%d) D=%lld C=%lld K=%lld, lambda+=1 lambda-=1, "
              "normalization=reference, smooth radius 1\n", s.B, s.P, g, g, s.D, s.C, s.K);
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.f, 1.f);
  const size_t ne = (size_t)s.B * s.P * s.D, nmap = (size_t)s.B * s.K * s.P;
  std::vector<float> ep(ne), en(ne), w((size_t)s.C * s.D), bias(s.C);
  for (auto& v : ep) v = normal(rng);
  for (auto& v : en) v = normal(rng);
  for (auto& v : w) v = normal(rng) * 0.05f;
  for (auto& v : bias) v = normal(rng);
  std::vector<int32_t> targets(s.B * s.K);
  for (auto& t : targets) t = (int32_t)(rng() % s.C);

  tve_projection a{};
  a.e_pos = ep.data(); a.e_neg = en.data(); a.weight = w.data(); a.bias = bias.data();
  a.targets = targets.data(); a.batch = s.B; a.rows = s.P; a.dim = s.D; a.classes = s.C; a.k = s.K;
  a.grid = g; a.cls_row = TVE_CLS_NONE; a.lambda_pos = 1.f; a.lambda_neg = 1.f; a.smooth_radius = 1;
  a.normalization = TVE_NORM_REFERENCE; a.epsilon = 1e-6f; a.memory = TVE_MEMORY_HOST;

  // CPU reference.
  std::vector<float> ref_raw(nmap), ref_map(nmap);
  a.out_raw = ref_raw.data(); a.out_map = ref_map.data(); a.backend = TVE_BACKEND_CPU; a.isa = TVE_ISA_SCALAR;
  tve_result r{};
  if (tve_project(&a, &r) != TVE_OK) { std::fprintf(stderr, "CPU reference failed: %s\n", r.message); return 1; }
  float scale = 0.f;
  for (float v : ref_raw) scale = std::fmax(scale, std::fabs(v));
  // float32 dot products of length D in a different order: relative error well under 1e-5 * sqrt(D).
  const float tol_raw = 1e-5f * std::sqrt((float)s.D) * std::fmax(1.f, scale);
  const float tol_map = 1e-3f;  // maps lie in [0, 1]; min-max amplifies raw error by 1/range
  int failures = 0;

  // Through the C ABI.
  std::vector<float> raw(nmap), map(nmap);
  a.out_raw = raw.data(); a.out_map = map.data(); a.backend = TVE_BACKEND_CUDA; a.isa = TVE_ISA_AUTO;
  if (tve_project(&a, &r) != TVE_OK) { std::fprintf(stderr, "C ABI CUDA path failed: %s\n", r.message); return 1; }
  float e_raw, e_map;
  bool ok = close(raw.data(), ref_raw.data(), nmap, tol_raw, &e_raw) & close(map.data(), ref_map.data(), nmap, tol_map, &e_map);
  std::printf("C ABI (tve_project, CUDA)  %s  max|err| raw %.3g (tol %.3g), map %.3g (tol %.3g)\n",
              ok ? "OK  " : "FAIL", e_raw, tol_raw, e_map, tol_map);
  failures += !ok;

  // Device buffers for the versions.
  int device = 0, sms = 0;
  CHECK(cudaGetDevice(&device));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  tve::cuda::Args d{};
  float *d_ep, *d_en, *d_w, *d_b, *d_raw, *d_map, *d_tmp, *d_copy;
  int32_t *d_t, *d_bad;
  uint32_t* d_tickets;
  CHECK(cudaMalloc(&d_ep, ne * 4)); CHECK(cudaMalloc(&d_en, ne * 4));
  CHECK(cudaMalloc(&d_w, w.size() * 4)); CHECK(cudaMalloc(&d_b, bias.size() * 4));
  CHECK(cudaMalloc(&d_raw, nmap * 4)); CHECK(cudaMalloc(&d_map, nmap * 4)); CHECK(cudaMalloc(&d_tmp, nmap * 4));
  CHECK(cudaMalloc(&d_t, targets.size() * 4)); CHECK(cudaMalloc(&d_bad, s.B * 4));
  CHECK(cudaMalloc(&d_tickets, s.B * s.K * 4)); CHECK(cudaMalloc(&d_copy, 2 * ne * 4));
  CHECK(cudaMemcpy(d_ep, ep.data(), ne * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(d_en, en.data(), ne * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(d_w, w.data(), w.size() * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(d_b, bias.data(), bias.size() * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(d_t, targets.data(), targets.size() * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemset(d_bad, 0, s.B * 4));
  d.e_pos = d_ep; d.e_neg = d_en; d.weight = d_w; d.bias = d_b; d.targets = d_t; d.foils = nullptr;
  d.out_raw = d_raw; d.out_map = d_map; d.bad = d_bad; d.tickets = d_tickets;
  d.batch = s.B; d.rows = s.P; d.dim = s.D; d.classes = s.C; d.k = s.K; d.grid = g; d.row0 = 0;
  d.smooth = 1; d.norm = TVE_NORM_REFERENCE; d.lp = 1.f; d.ln = 1.f; d.eps = 1e-6f; d.pos = true; d.neg = true;

  const double bytes = 2.0 * ne * 4 + (double)s.B * s.K * s.D * 4 + 2.0 * nmap * 4;
  const int reps = 50;
  const float copy_ms = time_ms([&] { CHECK(cudaMemcpyAsync(d_copy, d_ep, ne * 4, cudaMemcpyDeviceToDevice));
                                      CHECK(cudaMemcpyAsync(d_copy + ne, d_en, ne * 4, cudaMemcpyDeviceToDevice)); }, reps);
  std::printf("copy D2D of E+ and E- (%.1f MB)  %8.4f ms  %7.1f GB/s (read+write)\n", 2.0 * ne * 4 / 1e6,
              copy_ms, 2 * 2.0 * ne * 4 / copy_ms / 1e6);
  for (int v = 1; v <= 3; ++v) {
    CHECK(cudaMemset(d_raw, 0, nmap * 4));
    CHECK(cudaMemset(d_map, 0, nmap * 4));
    CHECK(tve::cuda::launch(v, d, d_tmp, sms, 0));
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemcpy(raw.data(), d_raw, nmap * 4, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(map.data(), d_map, nmap * 4, cudaMemcpyDeviceToHost));
    ok = close(raw.data(), ref_raw.data(), nmap, tol_raw, &e_raw) & close(map.data(), ref_map.data(), nmap, tol_map, &e_map);
    failures += !ok;
    const float ms = time_ms([&] { CHECK(tve::cuda::launch(v, d, d_tmp, sms, 0)); }, reps);
    std::printf("kernel v%d  %s  max|err| raw %.3g map %.3g  %8.4f ms  %7.1f GB/s  %5.2fx of copy time  %.1f ns/image\n",
                v, ok ? "OK  " : "FAIL", e_raw, e_map, ms, bytes / ms / 1e6, copy_ms / ms, ms * 1e6 / s.B);
  }
  cudaFree(d_ep); cudaFree(d_en); cudaFree(d_w); cudaFree(d_b); cudaFree(d_raw); cudaFree(d_map);
  cudaFree(d_tmp); cudaFree(d_t); cudaFree(d_bad); cudaFree(d_tickets); cudaFree(d_copy);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::fprintf(stderr, "no CUDA device: nothing to test (the library reports %d devices)\n", tve_cuda_device_count());
    return 3;
  }
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs, library %s\n", prop.name, prop.multiProcessorCount, tve_version());
  std::vector<Shape> shapes;
  if (argc == 6) {
    shapes.push_back({atoll(argv[1]), atoll(argv[2]), atoll(argv[3]), atoll(argv[4]), atoll(argv[5])});
  } else {
    shapes.push_back({64, 196, 768, 1000, 1});  // the paper's: memory-bound (E+ and E-: 77 MB)
    shapes.push_back({64, 64, 128, 10, 1});     // the embedded default's: fits in L2
  }
  int failures = 0;
  for (const Shape& s : shapes) failures += run_shape(s);
  std::printf("\n%s\n", failures ? "FAILED" : "all versions match the CPU reference");
  return failures ? 1 : 0;
}
