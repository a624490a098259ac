package dev.tve.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process allocator policy for libtorch's tensors, as a setting: system property
 * {@code tve.malloc.tune} or environment variable {@code TVE_MALLOC_TUNE}, default {@code true}.
 *
 * <p>Why: libtorch allocates and frees multi-MB activations and gradients on every batch. With
 * glibc's default thresholds each is a fresh mmap whose pages fault in again on every call;
 * keeping them in the heap (M_MMAP_THRESHOLD 32 MiB, the largest glibc accepts, and
 * M_TRIM_THRESHOLD 256 MiB) made the ViT's training step 1.8x faster here
 * ({@code benchmarks/results/embedding.md}); inference showed no difference beyond this machine's
 * noise. Resident memory then stays at its high-water mark instead of shrinking between batches;
 * it does not grow (ModelMemoryTest).
 *
 * <p>Applied once per process by {@link ThreadPolicy#apply}; a no-op where the native library
 * cannot load or the C library is not glibc.
 */
public final class AllocatorPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(AllocatorPolicy.class);
  static final long MMAP_THRESHOLD = 32L << 20, TRIM_THRESHOLD = 256L << 20;
  private static volatile Boolean applied;

  private AllocatorPolicy() {}

  /** Whether the setting asks for the tuned allocator. */
  public static boolean configured() {
    return Settings.flag("tve.malloc.tune", true);
  }

  /** Applies the configured policy once; returns whether the tuned thresholds are in force. */
  public static synchronized boolean apply() {
    if (applied != null) return applied;
    boolean ok = false;
    if (configured()) {
      try {
        ok = NativeRuntimeLibrary.tve_malloc_tune(MMAP_THRESHOLD, TRIM_THRESHOLD) == 1;
        if (!ok) LOG.warn("allocator thresholds not accepted by this C library; libtorch batches will page-fault more");
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        LOG.warn("allocator policy not applied: native library unavailable ({})", e.getMessage());
      }
    }
    applied = ok;
    return ok;
  }
}
