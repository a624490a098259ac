package dev.tve.bench;

import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.model.LinearHead;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Explanation throughput against the encoder's plain inference, same process, threads and input
 * tensor: batch 64 of 56 x 56 scenes, the default ViT (7 x 7, D 128), one 10-class head, the
 * predicted class. {@code explain} = encoder embedding (for the prediction) + explainer pass +
 * fused projection; {@code embed} = the encoder alone. Random weights: throughput does not depend
 * on them. {@code explainerNetwork} = the explainer's pass alone (where explain's time goes). Issue target: explain >= 0.5x embed.
 *
 * <pre>
 * benchmarks/run-explain.sh          # writes benchmarks/results/explain.md
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class ExplainBench {
  static final int BATCH = 64;

  @Param({"shared", "separate"})
  public String shape;

  /** Mixer layers per explainer head (the zoo's: 2). */
  @Param({"2"})
  public int mixer;

  /** What the explainer predicts: window (E+ and E-, two heads) or shapley (Phi, one head, efficiency-corrected). */
  @Param({"window"})
  public String objective;

  TargetModel model;
  TveExplainer tve;
  ExplainerNetwork net;
  LinearHead head;
  Tensor images;

  @Setup(Level.Trial)
  public void setup() {
    ThreadPolicy.apply(1);
    torch.manual_seed(1);
    VitEncoder enc = new VitEncoder(1, 56, 8, 128, 4, 4);
    enc.eval();
    Random r = new Random(1);
    float[] w = new float[10 * 128], b = new float[10];
    for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
    List<String> names = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    head = new LinearHead("ten-class", w, b, names);
    model = new TargetModel(enc, ModelCard.of(enc.architecture(), names, dev.tve.model.InputSpec.of(enc.architecture().imageSize(), enc.architecture().channels(), 0f, 1f, 7)),
        List.of(head));
    ExplainerNetwork.Config c = ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.valueOf(shape.toUpperCase(java.util.Locale.ROOT)));
    dev.tve.explain.Objective o = dev.tve.explain.Objective.parse(objective);
    ExplainerNetwork net = new ExplainerNetwork(new ExplainerNetwork.Config(c.shape(), c.channels(), c.imageSize(), c.patch(), c.trunkDim(),
        c.trunkLayers(), c.trunkHeads(), mixer, c.dim()).withObjective(o));
    net.eval();
    this.net = net;
    ExplainerCard card;
    if (!o.isGame()) {
      card = ExplainerCard.of("explainer", net.config(), "bench", 1, 1, 1, "bench", Map.of(), List.of(), "", null, null, null, "bench");
    } else {
      float[] empty = enc.embed(torch.zeros(1, 1, 56, 56));
      card = new ExplainerCard(ExplainerCard.FORMAT_VERSION, "explainer", net.config(), "bench", 0, 1, 1, "bench", Map.of(), List.of(), "", null,
          null, null, "bench", Map.of(), new ExplainerCard.Game(o.label(), "permutation", 7, "zero", 32, o == dev.tve.explain.Objective.SHAPLEY, empty,
              "bench"));
    }
    tve = TveExplainer.builder(model, net, card).build();
    images = torch.randn(BATCH, 1, 56, 56);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] embed() {
    return model.encoder().embed(images);
  }

  /** The explainer network alone (E+ and E-, no projection): with embed, where explain's time goes. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object explainerNetwork() {
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
      org.bytedeco.pytorch.Tensor[] e = net.predictTensors(images);
      return e[0].size(0) + e[1].size(0);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object explain() {
    return tve.explain(images, List.of(head), TargetSpec.predicted());
  }
}
