package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.gelu;

import dev.tve.image.NativeTensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A non-linear head: Linear(D, H), GELU (the exact, erf form: PyTorch's default), Linear(H, C).
 * TVE explains it by evaluating the head on the explainer's E+ and E- rows (a[p] = h_k(E+[p]) - h_k(E-[p])) through
 * libtorch; the fused kernel serves linear heads only. Immutable; may be shared between threads.
 *
 * <pre>{@code
 * MlpHead head = Probe.builder().optSeed(1).build().trainMlp("coarse", embeddings, labels, names, 64);
 * float[] logits = head.logits(embeddings, 0);
 * }</pre>
 */
public final class MlpHead implements Head {
  private final String name;
  private final float[] w1;
  private final float[] b1;
  private final float[] w2;
  private final float[] b2;
  private final List<String> classes;
  private final int dim;
  private final int hidden;

  /**
   * @param w1 [hidden, dim] row-major
   * @param w2 [classes, hidden] row-major
   */
  public MlpHead(String name, int dim, int hidden, float[] w1, float[] b1, float[] w2, float[] b2, List<String> classes) {
    int c = classes.size();
    if (c == 0) throw new IllegalArgumentException("classes: empty");
    if (dim < 1 || hidden < 1) throw new IllegalArgumentException("dim " + dim + ", hidden " + hidden);
    if (w1.length != (long) hidden * dim) throw new IllegalArgumentException("w1: " + w1.length + " floats, need [hidden=" + hidden + ", dim=" + dim + "]");
    if (b1.length != hidden) throw new IllegalArgumentException("b1: " + b1.length + " floats, need " + hidden);
    if (w2.length != (long) c * hidden) throw new IllegalArgumentException("w2: " + w2.length + " floats, need [classes=" + c + ", hidden=" + hidden + "]");
    if (b2.length != c) throw new IllegalArgumentException("b2: " + b2.length + " floats, need " + c);
    this.name = name;
    this.dim = dim;
    this.hidden = hidden;
    this.w1 = w1.clone();
    this.b1 = b1.clone();
    this.w2 = w2.clone();
    this.b2 = b2.clone();
    this.classes = List.copyOf(classes);
  }

  @Override public String name() { return name; }
  @Override public int dim() { return dim; }
  @Override public int classes() { return classes.size(); }
  @Override public List<String> classNames() { return classes; }
  public int hidden() { return hidden; }
  public float[] w1() { return w1.clone(); }
  public float[] b1() { return b1.clone(); }
  public float[] w2() { return w2.clone(); }
  public float[] b2() { return b2.clone(); }

  @Override
  public float[] logits(float[] embeddings, int i) {
    if (embeddings.length % dim != 0) throw new IllegalArgumentException("embeddings: " + embeddings.length + " floats, dim " + dim);
    double[] h = new double[hidden];
    for (int j = 0; j < hidden; j++) {
      double s = b1[j];
      for (int d = 0; d < dim; d++) s += (double) w1[j * dim + d] * embeddings[i * dim + d];
      h[j] = 0.5 * s * (1 + erf(s / Math.sqrt(2)));
    }
    float[] out = new float[classes.size()];
    for (int c = 0; c < out.length; c++) {
      double s = b2[c];
      for (int j = 0; j < hidden; j++) s += w2[c * hidden + j] * h[j];
      out[c] = (float) s;
    }
    return out;
  }

  @Override
  public Tensor forward(Tensor embeddings) {
    Tensor tw1 = NativeTensors.copyOf(w1, 0, hidden, dim);
    Tensor tb1 = NativeTensors.copyOf(b1, 0, hidden);
    Tensor tw2 = NativeTensors.copyOf(w2, 0, classes.size(), hidden);
    Tensor tb2 = NativeTensors.copyOf(b2, 0, classes.size());
    return gelu(embeddings.matmul(tw1.t()).add(tb1)).matmul(tw2.t()).add(tb2);
  }

  /** erf to about 1e-7 absolute (Abramowitz and Stegun 7.1.26), below float32 resolution of the logits. */
  static double erf(double x) {
    double t = 1 / (1 + 0.3275911 * Math.abs(x));
    double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  }
}
