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
  private static final Gate GATE = new Gate();

  /**
   * For anything that runs backward through convolutions (training, gradient attribution): while
   * open, libtorch's oneDNN (mkldnn) path is off. Its convolution backward returned NaN gradients now
   * and then: weight gradients of the fixture CNN's first convolution (with 1 libtorch thread as with
   * 2: 6 of 8 400-step pre-trainings diverged at random steps, the losses bit-identical until then;
   * none of 16 with oneDNN off), and once a NaN in Integrated Gradients' input gradient on the same
   * CNN. The switch is process-wide, so backward scopes and {@link #forwardScope() forward scopes}
   * exclude each other: a backward scope waits until no other thread holds a forward scope, and the
   * other way round; backward scopes may overlap each other, as may forward scopes. Forward work
   * outside any scope (a trainer's own helper threads) is not held back. Scopes nest on one thread; a
   * forward scope opened inside a backward scope runs at once (with oneDNN off: it is part of that
   * gradient work). The last backward scope to close restores the setting.
   *
   * <pre>{@code
   * try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope()) { train(); }
   * }</pre>
   *
   * @return the open scope
   * @throws IllegalStateException when this thread holds a forward scope (waiting would never end)
   */
  public static BackwardScope backwardScope() {
    return new BackwardScope(GATE.enter(true));
  }

  /**
   * @param backward whether the work runs backward passes
   * @return a {@link #backwardScope()} or a {@link #forwardScope()}
   */
  public static Scope scope(boolean backward) {
    return backward ? backwardScope() : forwardScope();
  }

  /** A forward or backward scope. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * For forward-only network work whose results must not depend on other threads (the {@code Tve}
   * entry point opens one per call): while open, no backward scope is open on another thread, so
   * convolutions run on the process's own oneDNN setting, bit for bit as on one thread. Nests; inside
   * a backward scope of the same thread it is part of that scope.
   *
   * <pre>{@code
   * try (ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) { explain(); }
   * }</pre>
   *
   * @return the open scope
   */
  public static ForwardScope forwardScope() {
    GATE.enter(false);
    return new ForwardScope();
  }

  /** An open {@link #backwardScope()}; closing it twice counts once. */
  public static final class BackwardScope implements Scope {
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
      if (closed) return;
      closed = true;
      GATE.exit(true);
    }
  }

  /** An open {@link #forwardScope()}; closing it twice counts once. */
  public static final class ForwardScope implements Scope {
    private boolean closed;

    private ForwardScope() {}

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      GATE.exit(false);
    }
  }

  /**
   * Forward and backward scopes exclude each other across threads; each kind shares. Fair between the
   * kinds: a thread that must wait claims the next turn, and new arrivals of the running kind then
   * wait behind it, so neither kind starves the other.
   */
  private static final class Gate {
    private static final int FORWARD = 0, BACKWARD = 1;
    private final int[] active = new int[2], waiting = new int[2];
    private int turn = FORWARD;
    private boolean oneDnnBefore;
    // Per thread, its open scopes innermost first: kind, and whether it counted at the gate (the outermost does).
    private final ThreadLocal<java.util.ArrayDeque<int[]>> open = ThreadLocal.withInitial(java.util.ArrayDeque::new);

    /** @return whether oneDNN was on before the first of the open backward scopes */
    boolean enter(boolean backward) {
      int kind = backward ? BACKWARD : FORWARD, other = 1 - kind;
      java.util.ArrayDeque<int[]> mine = open.get();
      boolean inBackward = mine.stream().anyMatch(e -> e[0] == BACKWARD);
      if (!mine.isEmpty() && (inBackward || !backward)) {   // nested in this thread's own scope: already admitted
        mine.push(new int[] {kind, 0});
        synchronized (this) {
          return oneDnnBefore;
        }
      }
      if (!mine.isEmpty()) throw new IllegalStateException("a backward scope cannot open inside this thread's forward scope");
      synchronized (this) {
        waiting[kind]++;
        boolean interrupted = false;
        try {
          while (active[other] > 0 || (waiting[other] > 0 && turn == other)) {
            if (active[other] > 0) turn = kind;
            try {
              wait();
            } catch (InterruptedException e) {
              interrupted = true;                   // the scope is still owed; the flag is restored below
            }
          }
        } finally {
          waiting[kind]--;
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (active[kind]++ == 0 && backward) {
          oneDnnBefore = torch.globalContext().userEnabledMkldnn();
          if (oneDnnBefore) torch.globalContext().setUserEnabledMkldnn(false);
        }
        mine.push(new int[] {kind, 1});
        return oneDnnBefore;
      }
    }

    void exit(boolean backward) {
      int kind = backward ? BACKWARD : FORWARD;
      int[] top = open.get().peek();
      if (top == null || top[0] != kind) throw new IllegalStateException("scopes must close on the thread that opened them, innermost first");
      open.get().pop();
      if (top[1] == 0) return;
      synchronized (this) {
        if (--active[kind] == 0) {
          if (backward && oneDnnBefore) torch.globalContext().setUserEnabledMkldnn(true);
          turn = 1 - kind;
          notifyAll();
        }
      }
    }
  }
}
