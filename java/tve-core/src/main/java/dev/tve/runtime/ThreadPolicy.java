package dev.tve.runtime;

import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's intra-op thread count, as a setting: system property {@code tve.torch.threads} or
 * environment variable {@code TVE_TORCH_THREADS}, default 1. On small machines one thread is
 * fastest: with more, libtorch's OpenMP threads spin and starve OpenBLAS (measured 3.6x slower on
 * 2 cores).
 *
 * <p>The OpenBLAS that libtorch loaded keeps its own pool, which torch's setting does not reach.
 * Its default (one thread per core) is fastest for one busy thread: the ViT's training step ran
 * 1.9x faster with it than with one BLAS thread here. Where other threads are busy too, its idle
 * workers spin and steal their cores: set {@code tve.blas.threads} / {@code TVE_BLAS_THREADS}
 * (default: OpenBLAS's own). {@link #apply} also applies the {@link AllocatorPolicy} once.
 *
 * <pre>{@code
 * ThreadPolicy.apply();      // from tve.torch.threads / TVE_TORCH_THREADS, else 1
 * }</pre>
 */
public final class ThreadPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadPolicy.class);

  private ThreadPolicy() {}

  /** Sets OpenBLAS's pool now; returns how many loaded OpenBLAS libraries took it (0 when none or no native library). */
  public static int blasThreads(int threads) {
    try {
      return NativeRuntimeLibrary.tve_blas_threads(threads);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      LOG.warn("OpenBLAS thread count not set: native library unavailable ({})", e.getMessage());
      return 0;
    }
  }

  /** The configured libtorch thread count. */
  public static int configured() {
    return setting("tve.torch.threads", 1);
  }

  /** The configured OpenBLAS thread count; 0 leaves OpenBLAS's own. */
  public static int configuredBlas() {
    return setting("tve.blas.threads", 0);
  }

  private static int setting(String property, int fallback) {
    int n = Settings.integer(property, fallback);
    if (n < 1 && fallback >= 1) throw new TveException(property + "/" + Settings.envName(property) + ": " + n + " is not a positive integer");
    if (n < 0) throw new TveException(property + "/" + Settings.envName(property) + ": " + n + " is negative");
    return n;
  }

  /** OpenBLAS's current thread count (0 when no OpenBLAS is loaded or no native library). */
  public static int blasThreads() {
    try {
      return NativeRuntimeLibrary.tve_blas_threads_get();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return 0;
    }
  }

  /**
   * For a job that keeps several threads busy itself: sets OpenBLAS's pool to the configured count,
   * or to {@code fallback} when none is configured, and puts the previous count back on close.
   * BLAS results depend on the pool size, so the restore keeps later steps of the same process
   * (e.g. a zoo build's) as they would be on their own.
   *
   * <pre>{@code
   * try (ThreadPolicy.BlasScope blas = ThreadPolicy.blasScope(1)) { train(); }
   * }</pre>
   */
  public static BlasScope blasScope(int fallback) {
    int previous = blasThreads();
    int n = configuredBlas() > 0 ? configuredBlas() : fallback;
    blasThreads(n);
    return new BlasScope(n, previous);
  }

  /** The BLAS pool size a job runs with, and the one to restore. */
  public record BlasScope(int threads, int previous) implements AutoCloseable {
    @Override
    public void close() {
      if (previous > 0) blasThreads(previous);
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
    int blas = configuredBlas();
    if (blas > 0) blasThreads(blas);
    return threads;
  }

  /** @return libtorch's intra-op thread count now */
  public static int current() {
    return torch.get_num_threads();
  }
  private static final Object BACKWARD = new Object();
  private static int backwardScopes;
  private static boolean oneDnnBefore;

  /**
   * For anything that runs backward through convolutions (training, gradient attribution): while
   * open, libtorch's oneDNN (mkldnn) path is off. Its convolution backward returned NaN gradients now
   * and then: weight gradients of the fixture CNN's first convolution (with 1 libtorch thread as with
   * 2: 6 of 8 400-step pre-trainings diverged at random steps, the losses bit-identical until then;
   * none of 16 with oneDNN off), and once a NaN in Integrated Gradients' input gradient on the same
   * CNN. The switch is process-wide: other threads' convolutions take libtorch's own path meanwhile
   * (same results within float rounding, another speed). Scopes nest and may overlap across threads;
   * the last one to close restores the setting.
   *
   * <pre>{@code
   * try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope()) { train(); }
   * }</pre>
   */
  public static BackwardScope backwardScope() {
    synchronized (BACKWARD) {
      if (backwardScopes++ == 0) {
        oneDnnBefore = torch.globalContext().userEnabledMkldnn();
        if (oneDnnBefore) torch.globalContext().setUserEnabledMkldnn(false);
      }
      return new BackwardScope(oneDnnBefore);
    }
  }

  /** An open {@link #backwardScope()}; closing it twice counts once. */
  public static final class BackwardScope implements AutoCloseable {
    private final boolean oneDnnWasOn;
    private boolean closed;

    private BackwardScope(boolean oneDnnWasOn) {
      this.oneDnnWasOn = oneDnnWasOn;
    }

    /** Whether oneDNN was on when the first of the open scopes opened (and comes back on when the last closes). */
    public boolean oneDnnWasOn() {
      return oneDnnWasOn;
    }

    @Override
    public void close() {
      synchronized (BACKWARD) {
        if (closed) return;
        closed = true;
        if (--backwardScopes == 0 && oneDnnBefore) torch.globalContext().setUserEnabledMkldnn(true);
      }
    }
  }
}
