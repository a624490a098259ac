package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tve.runtime.AllocatorPolicy;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {
  @Test
  void trainingLowersTheLossAndResumesFromItsCheckpoint(@TempDir Path dir) throws Exception {
    EncoderModuleTest.data();
    torch.manual_seed(1);
    List<Double> losses = new ArrayList<>();
    EncoderModule cnn = new CnnEncoder(1, 56, 8, 32);
    EncoderTrainer.Result first = EncoderTrainer.builder().optEpochs(1).optScenesPerEpoch(16 * 40).optBatchSize(16)
        .optLearningRate(3e-3).optSeed(2).optCheckpointDir(dir).optProgress(p -> losses.add(p.loss())).build()
        .train(cnn, EncoderModuleTest.scenes);
    assertThat(first.steps()).isEqualTo(40);
    double early = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double late = losses.subList(30, 40).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertThat(late).as("loss early %.3f late %.3f", early, late).isLessThan(early);
    // Started again with two epochs and the same folder: it resumes after epoch 1.
    EncoderTrainer.Result second = EncoderTrainer.builder().optEpochs(2).optScenesPerEpoch(16 * 40).optBatchSize(16)
        .optLearningRate(3e-3).optSeed(2).optCheckpointDir(dir).build().train(new CnnEncoder(1, 56, 8, 32), EncoderModuleTest.scenes);
    assertThat(second.resumedFromEpoch()).isEqualTo(1);
    assertThat(second.steps()).isEqualTo(40);
    // The checkpoint carried the first run's time: the seconds cover both epochs.
    assertThat(first.timedFromEpoch()).isZero();
    assertThat(second.timedFromEpoch()).isZero();
    assertThat(second.seconds()).isGreaterThan(first.seconds());
  }

  @Test
  void linearProbeSeparatesSeparableDataAndFoldsItsStandardisation() {
    Random r = new Random(4);
    int n = 300, dim = 5;
    float[] x = new float[n * dim];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      for (int d = 0; d < dim; d++) x[i * dim + d] = (float) (r.nextGaussian() * 0.3 + (d == y[i] ? 3 : 0) + 10);
    }
    LinearHead head = Probe.builder().optSteps(200).optSeed(1).build().trainLinear("toy", x, y, List.of("a", "b", "c"));
    assertThat(head.accuracy(x, y)).isEqualTo(1.0);
    assertThat(head.weights().classes()).isEqualTo(3);
    assertThatThrownBy(() -> Probe.builder().build().trainLinear("bad", x, new int[] {0, 5}, List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void threadPolicyIsASetting() {
    String old = System.getProperty("tve.torch.threads");
    try {
      System.setProperty("tve.torch.threads", "2");
      assertThat(ThreadPolicy.configured()).isEqualTo(2);
      System.setProperty("tve.torch.threads", "zero");
      assertThatThrownBy(ThreadPolicy::configured).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero");
      assertThat(ThreadPolicy.configuredBlas()).isZero();
    } finally {
      if (old == null) System.clearProperty("tve.torch.threads");
      else System.setProperty("tve.torch.threads", old);
      ThreadPolicy.apply(1);
    }
  }

  @Test
  void allocatorPolicyIsASettingAndIsInForceOnGlibc() {
    String old = System.getProperty("tve.malloc.tune");
    try {
      System.setProperty("tve.malloc.tune", "off");
      assertThat(AllocatorPolicy.configured()).isFalse();
      System.setProperty("tve.malloc.tune", "maybe");
      assertThatThrownBy(AllocatorPolicy::configured).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maybe");
    } finally {
      if (old == null) System.clearProperty("tve.malloc.tune");
      else System.setProperty("tve.malloc.tune", old);
    }
    ThreadPolicy.apply(1);
    // The test machines run glibc: mallopt must have accepted both thresholds.
    assertThat(AllocatorPolicy.apply()).isTrue();
    // libtorch has loaded its OpenBLAS by now; the thread policy reaches it.
    torch.randn(8, 8).matmul(torch.randn(8, 8));
    assertThat(ThreadPolicy.blasThreads(1)).isGreaterThanOrEqualTo(1);
    assertThat(ThreadPolicy.blasThreads(Runtime.getRuntime().availableProcessors())).isGreaterThanOrEqualTo(1);
    // A BLAS scope sets the pool for one job and puts the previous size back (BLAS results depend on it).
    assertThat(ThreadPolicy.blasThreads(2)).isGreaterThanOrEqualTo(1);
    assertThat(ThreadPolicy.blasThreads()).isEqualTo(2);
    try (ThreadPolicy.BlasScope scope = ThreadPolicy.blasScope(1)) {
      assertThat(scope.previous()).isEqualTo(2);
      assertThat(ThreadPolicy.blasThreads()).isEqualTo(ThreadPolicy.configuredBlas() > 0 ? ThreadPolicy.configuredBlas() : 1);
    }
    assertThat(ThreadPolicy.blasThreads()).isEqualTo(2);
  }
}
