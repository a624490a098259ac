package dev.tve.model;

import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's intra-op thread count, as a setting: system property {@code tve.torch.threads} or
 * environment variable {@code TVE_TORCH_THREADS}, default 1. On small machines one thread is
 * fastest: with more, libtorch's OpenMP threads spin and starve OpenBLAS (DESIGN.md section 5,
 * measured 3.6x slower on 2 cores). {@link #apply} also applies the {@link AllocatorPolicy} once.
 */
public final class ThreadPolicy {
  private ThreadPolicy() {}

  /** The configured thread count. */
  public static int configured() {
    String v = System.getProperty("tve.torch.threads");
    if (v == null || v.isBlank()) v = System.getenv("TVE_TORCH_THREADS");
    if (v == null || v.isBlank()) return 1;
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tve.torch.threads / TVE_TORCH_THREADS: '" + v + "' is not a positive integer", e);
    }
  }

  /** Applies the configured count to libtorch and returns it. */
  public static int apply() {
    return apply(configured());
  }

  /** Applies a thread count to libtorch. */
  public static int apply(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads: " + threads);
    AllocatorPolicy.apply();
    torch.set_num_threads(threads);
    return threads;
  }
}
