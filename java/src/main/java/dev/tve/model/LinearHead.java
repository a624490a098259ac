package dev.tve.model;

import dev.tve.kernel.HeadWeights;
import java.util.List;

/**
 * A linear head y = W e + b on an encoder's embeddings: W [classes, dim], b [classes], and the class
 * names. Immutable; may be shared between threads.
 *
 * <pre>{@code
 * LinearHead head = LinearProbe.builder().build().train(embeddings, labels, classNames);
 * int predicted = head.argmax(embedding, 0);
 * HeadWeights forKernel = head.weights();
 * }</pre>
 */
public final class LinearHead {
  private final String name;
  private final float[] weight;
  private final float[] bias;
  private final List<String> classes;
  private final int dim;

  public LinearHead(String name, float[] weight, float[] bias, List<String> classes) {
    if (classes.isEmpty()) throw new IllegalArgumentException("classes: empty");
    if (weight.length % classes.size() != 0) {
      throw new IllegalArgumentException("weight: " + weight.length + " floats is not [classes=" + classes.size() + ", dim]");
    }
    if (bias.length != classes.size()) throw new IllegalArgumentException("bias: " + bias.length + " floats, need " + classes.size());
    this.name = name;
    this.weight = weight.clone();
    this.bias = bias.clone();
    this.classes = List.copyOf(classes);
    this.dim = weight.length / classes.size();
  }

  public String name() { return name; }
  public int dim() { return dim; }
  public int classes() { return classes.size(); }
  public List<String> classNames() { return classes; }
  public float[] weight() { return weight.clone(); }
  public float[] bias() { return bias.clone(); }

  /** The head as the projection kernel reads it. */
  public HeadWeights weights() {
    return HeadWeights.of(weight, bias, classes.size(), dim);
  }

  /** Logits of embedding {@code i} of {@code embeddings} ([N, dim]). */
  public float[] logits(float[] embeddings, int i) {
    if (embeddings.length % dim != 0) throw new IllegalArgumentException("embeddings: " + embeddings.length + " floats, dim " + dim);
    float[] out = new float[classes.size()];
    for (int c = 0; c < out.length; c++) {
      double s = bias[c];
      for (int d = 0; d < dim; d++) s += (double) weight[c * dim + d] * embeddings[i * dim + d];
      out[c] = (float) s;
    }
    return out;
  }

  /** The predicted class of embedding {@code i}. */
  public int argmax(float[] embeddings, int i) {
    float[] l = logits(embeddings, i);
    int best = 0;
    for (int c = 1; c < l.length; c++) if (l[c] > l[best]) best = c;
    return best;
  }

  /** Fraction of embeddings whose argmax equals the label. */
  public double accuracy(float[] embeddings, int[] labels) {
    int ok = 0;
    for (int i = 0; i < labels.length; i++) ok += argmax(embeddings, i) == labels[i] ? 1 : 0;
    return (double) ok / labels.length;
  }
}
