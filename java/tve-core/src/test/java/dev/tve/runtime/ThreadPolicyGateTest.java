package dev.tve.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tve.api.NativeLibraries;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forward and backward scopes exclude each other across threads, share within a kind, and nest on one thread. */
class ThreadPolicyGateTest {
  @BeforeAll
  static void load() {
    NativeLibraries.load();
  }

  @Test
  void aBackwardScopeWaitsForAnotherThreadsForwardScopeAndOneDnnStaysOnMeanwhile() throws Exception {
    boolean oneDnn = torch.globalContext().userEnabledMkldnn();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> backward;
      try (ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) {
        CountDownLatch asked = new CountDownLatch(1);
        backward = pool.submit(() -> {
          asked.countDown();
          try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope()) {
            return torch.globalContext().userEnabledMkldnn();
          }
        });
        asked.await();
        assertThatThrownBy(() -> backward.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(torch.globalContext().userEnabledMkldnn()).isEqualTo(oneDnn);   // untouched while the forward scope is open
        try (ThreadPolicy.ForwardScope nested = ThreadPolicy.forwardScope()) {
          assertThat(backward.isDone()).isFalse();
        }
        assertThat(backward.isDone()).isFalse();   // the inner scope's close does not let it in
      }
      assertThat(backward.get(10, TimeUnit.SECONDS)).isFalse();   // oneDNN off inside the backward scope
      assertThat(torch.globalContext().userEnabledMkldnn()).isEqualTo(oneDnn);
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aForwardScopeWaitsForAnotherThreadsBackwardScopeAndForwardScopesShare() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> forward;
      try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope()) {
        forward = pool.submit(() -> {
          try (ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) {
            return null;
          }
        });
        assertThatThrownBy(() -> forward.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      }
      forward.get(10, TimeUnit.SECONDS);
      try (ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) {
        pool.submit(() -> {
          try (ThreadPolicy.ForwardScope g = ThreadPolicy.forwardScope()) {
            return null;
          }
        }).get(10, TimeUnit.SECONDS);    // another forward scope gets in at once
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void scopesNestOnOneThreadAndABackwardScopeInsideAForwardOneIsRefused() {
    try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope(); ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) {
      assertThat(torch.globalContext().userEnabledMkldnn()).isFalse();
    }
    try (ThreadPolicy.ForwardScope f = ThreadPolicy.forwardScope()) {
      assertThatThrownBy(ThreadPolicy::backwardScope).isInstanceOf(IllegalStateException.class).hasMessageContaining("forward scope");
    }
    try (ThreadPolicy.BackwardScope b = ThreadPolicy.backwardScope()) {
      assertThat(b).isNotNull();    // the refused one left nothing open
    }
  }
}
