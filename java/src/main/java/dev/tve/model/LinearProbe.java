package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.cross_entropy;
import static org.bytedeco.pytorch.global.torch.manual_seed;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains a {@link LinearHead} on frozen, cached embeddings (a linear probe): full-batch AdamW on the
 * cross-entropy, seeded.
 *
 * <pre>{@code
 * LinearHead head = LinearProbe.builder().optSteps(300).optSeed(1).build()
 *     .train("ten-class", embeddings, labels, FashionMnist.CLASSES);
 * }</pre>
 *
 * Stateless; each call trains its own head.
 */
public final class LinearProbe {
  private final int steps;
  private final double lr;
  private final double weightDecay;
  private final long seed;

  private LinearProbe(Builder b) {
    this.steps = b.steps;
    this.lr = b.lr;
    this.weightDecay = b.weightDecay;
    this.seed = b.seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param embeddings [N, dim] row-major
   * @param labels [N], values in [0, classes.size())
   */
  public LinearHead train(String name, float[] embeddings, int[] labels, List<String> classes) {
    int n = labels.length, c = classes.size();
    if (n == 0 || embeddings.length % n != 0) {
      throw new IllegalArgumentException("embeddings: " + embeddings.length + " floats for " + n + " labels");
    }
    int dim = embeddings.length / n;
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= c) throw new IllegalArgumentException("labels[" + i + "] = " + labels[i] + " not in [0, " + c + ")");
    }
    manual_seed(seed);
    LinearImpl linear = new LinearImpl(dim, c);
    try (PointerScope scope = new PointerScope()) {
      Tensor x = torch.from_blob(new FloatPointer(embeddings), new long[] {n, dim}, new TensorOptions(torch.ScalarType.Float)).clone();
      long[] ys = new long[n];
      for (int i = 0; i < n; i++) ys[i] = labels[i];
      Tensor y = torch.from_blob(new LongPointer(ys), new long[] {n}, new TensorOptions(torch.ScalarType.Long)).clone();
      // Standardise the features for the optimiser; folded back into W and b below.
      Tensor mu = x.mean(new long[] {0}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
      Tensor sd = x.std(new long[] {0}, true, true).add(new org.bytedeco.pytorch.Scalar(1e-6f));
      Tensor z = x.sub(mu).div(sd);
      AdamWOptions options = new AdamWOptions(lr);
      options.weight_decay().put(weightDecay);
      AdamW opt = new AdamW(linear.parameters(), options);
      for (int s = 0; s < steps; s++) {
        try (PointerScope step = new PointerScope()) {
          opt.zero_grad();
          Tensor loss = cross_entropy(linear.forward(z), y);
          loss.backward();
          opt.step();
        }
      }
      Tensor w = linear.weight().div(sd).contiguous();                        // W' = W / sd
      Tensor b = linear.bias().sub(w.mul(mu).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())).contiguous();
      float[] wf = new float[c * dim], bf = new float[c];
      w.data_ptr_float().get(wf);
      b.data_ptr_float().get(bf);
      return new LinearHead(name, wf, bf, classes);
    } finally {
      linear.close();
    }
  }

  /** Builder of {@link LinearProbe}. */
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

    public LinearProbe build() {
      return new LinearProbe(this);
    }
  }
}
