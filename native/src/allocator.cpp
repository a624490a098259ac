// Allocator policy: see tve_malloc_tune in tve_kernel.h.
#include "tve_kernel.h"

#include <climits>
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
