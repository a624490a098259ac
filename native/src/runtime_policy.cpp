// Process runtime policies: the allocator (tve_malloc_tune) and BLAS threads (tve_blas_threads).
#include "tve_runtime.h"

#include <climits>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern "C" int32_t tve_malloc_tune(int64_t mmap_threshold, int64_t trim_threshold) {
#if defined(__GLIBC__)
  if (mmap_threshold < 0 || mmap_threshold > INT_MAX || trim_threshold < 0 || trim_threshold > INT_MAX) return 0;
  int ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));
  ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold));
  return ok ? 1 : 0;
#else
  (void)mmap_threshold;
  (void)trim_threshold;
  return 0;
#endif
}

// BLAS thread policy: see tve_blas_threads in tve_runtime.h. Java loads libraries without
// RTLD_GLOBAL, so look each candidate up by soname among the loaded ones (RTLD_NOLOAD).
#include <dlfcn.h>

extern "C" int32_t tve_blas_threads(int32_t threads) {
  if (threads < 1) return 0;
  static const char* const kNames[] = {"libopenblas_nolapack.so.0", "libopenblas.so.0"};
  int32_t set = 0;
  for (const char* name : kNames) {
    void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (lib == nullptr) continue;
    using SetThreads = void (*)(int);
    auto fn = reinterpret_cast<SetThreads>(dlsym(lib, "openblas_set_num_threads"));
    if (fn != nullptr) {
      fn(threads);
      ++set;
    }
    dlclose(lib);  // balances the NOLOAD reference; the library stays loaded
  }
  return set;
}

extern "C" int32_t tve_blas_threads_get(void) {
  static const char* const kNames[] = {"libopenblas_nolapack.so.0", "libopenblas.so.0"};
  for (const char* name : kNames) {
    void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (lib == nullptr) continue;
    using GetThreads = int (*)(void);
    auto fn = reinterpret_cast<GetThreads>(dlsym(lib, "openblas_get_num_threads"));
    int32_t n = fn != nullptr ? fn() : 0;
    dlclose(lib);
    if (n > 0) return n;
  }
  return 0;
}

extern "C" int32_t tve_setenv_default(const char* name, const char* value) {
  if (name == nullptr || value == nullptr || name[0] == '\0') return -1;
  if (getenv(name) != nullptr) return 0;           // the user's setting stands
  return setenv(name, value, 0) == 0 ? 1 : -1;
}
