package dev.tve.bench;

import dev.tve.model.CnnEncoder;
import dev.tve.model.EncoderModule;
import dev.tve.model.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Embedding throughput of the built-in encoders on 56 x 56 gray scenes, batch 64, eval mode, no
 * gradients: images per second (JMH throughput, 64 operations per call). Weights are random:
 * throughput does not depend on them.
 *
 * <pre>
 * benchmarks/run-embedding.sh        # writes benchmarks/results/embedding.md
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class EmbeddingBench {
  static final int BATCH = 64;

  /** vit-g7: the default geometry (patch 8, 7 x 7 grid); vit-g8: patch 7, 8 x 8 grid. */
  @Param({"vit-g7", "vit-g8", "cnn"})
  public String encoder;

  @Param({"1", "2"})
  public int torchThreads;

  EncoderModule module;
  Tensor images;

  @Setup(Level.Trial)
  public void setup() {
    ThreadPolicy.apply(torchThreads);
    torch.manual_seed(1);
    switch (encoder) {
      case "vit-g7": module = new VitEncoder(1, 56, 8, 128, 4, 4); break;
      case "vit-g8": module = new VitEncoder(1, 56, 7, 128, 4, 4); break;
      default: module = new CnnEncoder(1, 56, 32, 128);
    }
    module.eval();
    images = torch.randn(BATCH, 1, 56, 56);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] embed() {
    return module.embed(images);
  }
}
