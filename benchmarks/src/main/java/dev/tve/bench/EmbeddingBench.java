package dev.tve.bench;

import dev.tve.model.CnnEncoder;
import dev.tve.model.EncoderModule;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import static org.bytedeco.pytorch.global.torch.cross_entropy;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
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
 * Throughput of the built-in encoders on 56 x 56 gray scenes, batch 64, images per second (JMH
 * throughput, 64 operations per call): {@code embed} (eval mode, no gradients: what explaining
 * costs) and {@code trainStep} (forward, backward and an AdamW step with a 10-class head: what the
 * zoo build costs). Weights are random: throughput does not depend on them.
 *
 * <pre>
 * benchmarks/run-embedding.sh        # writes benchmarks/results/embedding.md
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class EmbeddingBench {
  static final int BATCH = 64;

  /** vit-g7: the default geometry (patch 8, 7 x 7 grid); vit-g14: patch 4, 14 x 14 grid. */
  @Param({"vit-g7", "vit-g14", "cnn"})
  public String encoder;

  @Param({"1", "2"})
  public int torchThreads;

  /** The allocator policy (tve.malloc.tune): its effect is measured against glibc's defaults. */
  @Param({"true"})
  public String mallocTune;

  EncoderModule module;
  Tensor images;
  Tensor labels;
  LinearImpl head;
  AdamW opt;

  @Setup(Level.Trial)
  public void setup() {
    System.setProperty("tve.malloc.tune", mallocTune);   // each trial is its own fork: applied once, before any tensor
    ThreadPolicy.apply(torchThreads);
    torch.manual_seed(1);
    switch (encoder) {
      case "vit-g7": module = new VitEncoder(1, 56, 8, 128, 4, 4); break;
      case "vit-g14": module = new VitEncoder(1, 56, 4, 128, 4, 4); break;
      default: module = new CnnEncoder(1, 56, 32, 128);
    }
    images = torch.randn(BATCH, 1, 56, 56);
    labels = torch.randint(10, new long[] {BATCH}, new TensorOptions(torch.ScalarType.Long));
    head = new LinearImpl(128, 10);
    TensorVector params = module.parameters();
    params.push_back(head.parameters().get(0));
    params.push_back(head.parameters().get(1));
    opt = new AdamW(params, new AdamWOptions(1e-4));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float trainStep() {
    module.train(true);
    try (PointerScope scope = new PointerScope()) {
      opt.zero_grad();
      Tensor loss = cross_entropy(head.forward(module.forward(images)), labels);
      loss.backward();
      opt.step();
      return loss.item_float();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] embed() {
    module.eval();
    return module.embed(images);
  }
}
