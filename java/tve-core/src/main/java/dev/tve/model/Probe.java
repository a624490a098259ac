package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.cross_entropy;
import static org.bytedeco.pytorch.global.torch.gelu;
import static org.bytedeco.pytorch.global.torch.manual_seed;

import dev.tve.image.NativeTensors;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Trains heads on frozen, cached embeddings (probes): full-batch AdamW on the cross-entropy over
 * standardised features (folded back into the first layer's W and b), seeded.
 *
 * <pre>{@code
 * Probe probe = Probe.builder().optSteps(300).optSeed(1).build();
 * LinearHead ten = probe.trainLinear("ten-class", embeddings, labels, FashionMnist.CLASSES);
 * MlpHead coarse = probe.trainMlp("coarse", embeddings, coarseLabels, List.of("tops", "bottoms", "footwear", "bags"), 64);
 * }</pre>
 *
 * Stateless; each call trains its own head.
 */
public final class Probe {
  private final int steps;
  private final double lr;
  private final double weightDecay;
  private final long seed;

  private Probe(Builder b) {
    this.steps = b.steps;
    this.lr = b.lr;
    this.weightDecay = b.weightDecay;
    this.seed = b.seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A linear head W e + b.
   *
   * @param embeddings [N, dim] row-major
   * @param labels [N], values in [0, classes.size())
   */
  public LinearHead trainLinear(String name, float[] embeddings, int[] labels, List<String> classes) {
    int dim = check(embeddings, labels, classes);
    manual_seed(seed);
    LinearImpl linear = new LinearImpl(dim, classes.size());
    try (PointerScope scope = new PointerScope()) {
      Standardised s = fit(embeddings, labels, dim, linear.parameters(), linear::forward);
      Tensor[] wb = s.fold(linear);
      return new LinearHead(name, floats(wb[0]), floats(wb[1]), classes);
    } finally {
      linear.close();
    }
  }

  /** An MLP head Linear(dim, hidden), GELU, Linear(hidden, C). */
  public MlpHead trainMlp(String name, float[] embeddings, int[] labels, List<String> classes, int hidden) {
    int dim = check(embeddings, labels, classes);
    if (hidden < 1) throw new IllegalArgumentException("hidden: " + hidden);
    manual_seed(seed);
    LinearImpl l1 = new LinearImpl(dim, hidden), l2 = new LinearImpl(hidden, classes.size());
    try (PointerScope scope = new PointerScope()) {
      TensorVector params = new TensorVector(l1.parameters().get(0), l1.parameters().get(1), l2.parameters().get(0), l2.parameters().get(1));
      Standardised s = fit(embeddings, labels, dim, params, z -> l2.forward(gelu(l1.forward(z))));
      Tensor[] wb = s.fold(l1);
      return new MlpHead(name, dim, hidden, floats(wb[0]), floats(wb[1]), floats(l2.weight()), floats(l2.bias()), classes);
    } finally {
      l1.close();
      l2.close();
    }
  }

  private static int check(float[] embeddings, int[] labels, List<String> classes) {
    int n = labels.length, c = classes.size();
    if (n == 0 || embeddings.length % n != 0) {
      throw new IllegalArgumentException("embeddings: " + embeddings.length + " floats for " + n + " labels");
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= c) throw new IllegalArgumentException("labels[" + i + "] = " + labels[i] + " not in [0, " + c + ")");
    }
    return embeddings.length / n;
  }

  /** Feature mean and std of the training embeddings; the model saw (x - mu) / sd. */
  private record Standardised(Tensor mu, Tensor sd) {
    /** W' = W / sd, b' = b - W' mu: the first layer on raw embeddings. */
    Tensor[] fold(LinearImpl first) {
      Tensor w = first.weight().detach().div(sd).contiguous();
      Tensor b = first.bias().detach().sub(w.mul(mu).sum(new long[] {1}, false, new ScalarTypeOptional())).contiguous();
      return new Tensor[] {w, b};
    }
  }

  private Standardised fit(float[] embeddings, int[] labels, int dim, TensorVector params, UnaryOperator<Tensor> model) {
    int n = labels.length;
    Tensor x = NativeTensors.copyOf(embeddings, 0, n, dim);
    long[] ys = new long[n];
    for (int i = 0; i < n; i++) ys[i] = labels[i];
    Tensor y = NativeTensors.copyOf(ys, n);
    Tensor mu = x.mean(new long[] {0}, true, new ScalarTypeOptional());
    Tensor sd = x.std(new long[] {0}, true, true).add(new Scalar(1e-6f));
    Tensor z = x.sub(mu).div(sd);
    AdamWOptions options = new AdamWOptions(lr);
    options.weight_decay().put(weightDecay);
    AdamW opt = new AdamW(params, options);
    for (int s = 0; s < steps; s++) {
      try (PointerScope step = new PointerScope()) {
        opt.zero_grad();
        Tensor loss = cross_entropy(model.apply(z), y);
        loss.backward();
        opt.step();
      }
    }
    return new Standardised(mu, sd);
  }

  private static float[] floats(Tensor t) {
    Tensor c = t.detach().contiguous();
    float[] out = new float[(int) c.numel()];
    c.data_ptr_float().get(out);
    return out;
  }

  /** Builder of {@link Probe}. */
  public static final class Builder {
    private int steps = 300;
    private double lr = 0.05;
    private double weightDecay = 1e-4;
    private long seed = 0;

    private Builder() {}

    public Builder optSteps(int v) { this.steps = v; return this; }
    public Builder optLearningRate(double v) { this.lr = v; return this; }
    public Builder optWeightDecay(double v) { this.weightDecay = v; return this; }
    public Builder optSeed(long v) { this.seed = v; return this; }

    public Probe build() {
      return new Probe(this);
    }
  }
}
