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

// libtorch's own log level (c10's logger without glog): its messages below this level are not
// printed. The flag is a plain exported int in libc10, which Java loaded without RTLD_GLOBAL: look it
// up by soname among the loaded libraries, as for OpenBLAS.
static int32_t* c10_log_level() {
  void* lib = dlopen("libc10.so", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return nullptr;
  auto* flag = reinterpret_cast<int32_t*>(dlsym(lib, "FLAGS_caffe2_log_level"));
  dlclose(lib);  // balances the NOLOAD reference; the library stays loaded
  return flag;
}

extern "C" int32_t tve_torch_log_level(int32_t level) {
  int32_t* flag = c10_log_level();
  if (flag == nullptr) return -1;
  int32_t before = *flag;
  if (level >= 0) *flag = level;
  return before;
}

// One warning through c10's own logger (c10::MessageLogger, as LOG(WARNING) and NNPACK's "Could not
// initialize NNPACK" use it), with an empty message: the constructor writes the "[W... FILE:LINE] "
// prefix and the destructor prints it, both only when the level lets warnings through.
extern "C" int32_t tve_torch_log_test_warning(const char* file, int32_t line) {
  void* lib = dlopen("libc10.so", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return 0;
  using Ctor = void (*)(void*, const char*, int, int, bool);
  using Dtor = void (*)(void*);
  auto ctor = reinterpret_cast<Ctor>(dlsym(lib, "_ZN3c1013MessageLoggerC1EPKciib"));
  auto dtor = reinterpret_cast<Dtor>(dlsym(lib, "_ZN3c1013MessageLoggerD1Ev"));
  dlclose(lib);
  if (ctor == nullptr || dtor == nullptr) return 0;
  alignas(64) unsigned char logger[4096];  // c10::MessageLogger is a stringstream and two fields: far smaller
  ctor(logger, file == nullptr ? "tve" : file, line, 1 /* c10 GLOG_WARNING */, false);
  dtor(logger);
  return 1;
}
