// CUDA back end of tve_project for host data: copy in, run the best kernel version (v3), copy out.
// The runtime is linked statically (CMake), so the library loads where no driver is installed;
// there cudaGetDeviceCount fails and tve_cuda_device_count() reports 0.
#include <vector>

#include "projection.cuh"

namespace tve {

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return n;
}

namespace {

// Device allocations released on every exit path.
struct DeviceBuffers {
  std::vector<void*> ptrs;
  cudaError_t alloc(void** p, size_t bytes) {
    cudaError_t e = cudaMalloc(p, bytes ? bytes : 1);
    if (e == cudaSuccess) ptrs.push_back(*p);
    return e;
  }
  ~DeviceBuffers() {
    for (void* p : ptrs) cudaFree(p);
  }
};

}  // namespace

#define TVE_CUDA_TRY(call)                                                                   \
  do {                                                                                       \
    cudaError_t e_ = (call);                                                                 \
    if (e_ != cudaSuccess) return fail(result, TVE_ERR_CUDA, "%s: %s", #call, cudaGetErrorString(e_)); \
  } while (0)

int project_cuda(const tve_projection& h, tve_result* result) {
  if (cuda_device_count() < 1) return fail(result, TVE_ERR_UNSUPPORTED, "no CUDA device is usable here");
  const long long B = h.batch, K = h.k, D = h.dim, C = h.classes, R = h.rows, P = (long long)h.grid * h.grid;
  const size_t smem = cuda::fused_smem_bytes(D, h.grid);
  if (smem > 48 * 1024)
    return fail(result, TVE_ERR_UNSUPPORTED, "dim=%lld with grid %d needs %zu bytes of shared memory (> 48 KiB)",
                D, h.grid, smem);
  int device = 0, sms = 0;
  TVE_CUDA_TRY(cudaGetDevice(&device));
  TVE_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));

  cuda::Args a{};
  a.batch = B; a.rows = R; a.dim = D; a.classes = C; a.k = K;
  a.grid = h.grid; a.row0 = (int)first_patch_row(h); a.smooth = h.smooth_radius; a.norm = h.normalization;
  a.lp = h.lambda_pos; a.ln = h.lambda_neg; a.eps = h.epsilon;
  a.pos = h.e_pos && h.lambda_pos != 0.f;
  a.neg = h.e_neg && h.lambda_neg != 0.f;

  DeviceBuffers buf;
  const size_t ebytes = sizeof(float) * B * R * D;
  void* p = nullptr;
  if (a.pos) { TVE_CUDA_TRY(buf.alloc(&p, ebytes)); a.e_pos = (float*)p; TVE_CUDA_TRY(cudaMemcpy(p, h.e_pos, ebytes, cudaMemcpyHostToDevice)); }
  if (a.neg) { TVE_CUDA_TRY(buf.alloc(&p, ebytes)); a.e_neg = (float*)p; TVE_CUDA_TRY(cudaMemcpy(p, h.e_neg, ebytes, cudaMemcpyHostToDevice)); }
  TVE_CUDA_TRY(buf.alloc(&p, sizeof(float) * C * D)); a.weight = (float*)p;
  TVE_CUDA_TRY(cudaMemcpy(p, h.weight, sizeof(float) * C * D, cudaMemcpyHostToDevice));
  if (h.bias) { TVE_CUDA_TRY(buf.alloc(&p, sizeof(float) * C)); a.bias = (float*)p; TVE_CUDA_TRY(cudaMemcpy(p, h.bias, sizeof(float) * C, cudaMemcpyHostToDevice)); }
  TVE_CUDA_TRY(buf.alloc(&p, sizeof(int32_t) * B * K)); a.targets = (int32_t*)p;
  TVE_CUDA_TRY(cudaMemcpy(p, h.targets, sizeof(int32_t) * B * K, cudaMemcpyHostToDevice));
  if (h.foils) { TVE_CUDA_TRY(buf.alloc(&p, sizeof(int32_t) * B * K)); a.foils = (int32_t*)p; TVE_CUDA_TRY(cudaMemcpy(p, h.foils, sizeof(int32_t) * B * K, cudaMemcpyHostToDevice)); }
  TVE_CUDA_TRY(buf.alloc(&p, sizeof(float) * B * K * P)); a.out_raw = (float*)p;
  if (h.out_map) { TVE_CUDA_TRY(buf.alloc(&p, sizeof(float) * B * K * P)); a.out_map = (float*)p; }
  TVE_CUDA_TRY(buf.alloc(&p, sizeof(int32_t) * B)); a.bad = (int32_t*)p;
  TVE_CUDA_TRY(cudaMemset(p, 0, sizeof(int32_t) * B));
  TVE_CUDA_TRY(buf.alloc(&p, sizeof(uint32_t) * B * K)); a.tickets = (uint32_t*)p;

  if (a.pos || a.neg) {
    TVE_CUDA_TRY(cuda::launch(3, a, nullptr, sms, 0));
  } else {  // both lambdas zero: the map is identically zero
    TVE_CUDA_TRY(cudaMemset(a.out_raw, 0, sizeof(float) * B * K * P));
    if (a.out_map) TVE_CUDA_TRY(cudaMemset(a.out_map, 0, sizeof(float) * B * K * P));
  }
  TVE_CUDA_TRY(cudaDeviceSynchronize());

  std::vector<int32_t> bad(B);
  TVE_CUDA_TRY(cudaMemcpy(bad.data(), a.bad, sizeof(int32_t) * B, cudaMemcpyDeviceToHost));
  for (long long b = 0; b < B; ++b) {
    if (!bad[b]) continue;
    // Which input carried it: checked on the host copy, on the failure path only.
    int flags = 0;
    for (long long t = 0; t < K; ++t) {
      const int k = h.targets[b * K + t], j = h.foils ? h.foils[b * K + t] : -1;
      for (long long d = 0; d < D; ++d)
        if (!std::isfinite(h.weight[k * D + d]) || (j >= 0 && !std::isfinite(h.weight[j * D + d]))) flags |= TVE_NONFINITE_HEAD;
      if (h.bias && (!std::isfinite(h.bias[k]) || (j >= 0 && !std::isfinite(h.bias[j])))) flags |= TVE_NONFINITE_HEAD;
    }
    const long long r0 = first_patch_row(h);
    for (long long i = 0; i < P * D; ++i) {
      if (a.pos && !std::isfinite(h.e_pos[(b * R + r0) * D + i])) flags |= TVE_NONFINITE_EPOS;
      if (a.neg && !std::isfinite(h.e_neg[(b * R + r0) * D + i])) flags |= TVE_NONFINITE_ENEG;
    }
    result->nonfinite_flags = flags;
    result->nonfinite_image = b;
    return fail(result, TVE_ERR_NONFINITE, "image %lld: NaN or Inf in the inputs or an overflow (flags %d)", b, flags);
  }
  if (h.out_raw) TVE_CUDA_TRY(cudaMemcpy(h.out_raw, a.out_raw, sizeof(float) * B * K * P, cudaMemcpyDeviceToHost));
  if (h.out_map) TVE_CUDA_TRY(cudaMemcpy(h.out_map, a.out_map, sizeof(float) * B * K * P, cudaMemcpyDeviceToHost));
  result->isa = 0;
  return TVE_OK;
}

}  // namespace tve
