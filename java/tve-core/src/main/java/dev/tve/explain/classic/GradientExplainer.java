package dev.tve.explain.classic;

import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.image.NativeTensors;
import dev.tve.model.DifferentiableEncoder;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * What the gradient methods (Saliency, Integrated Gradients, Grad-CAM) share: libtorch autograd
 * through a {@link DifferentiableEncoder} and the head, from the explained output (the target's logit
 * or probability, minus the foil's) back to the pixels or to a tapped layer; the internal batch size
 * (images per backward pass); atomic pass counts. The encoder must be in eval mode; gradients are taken
 * of the input (or the tapped layer) only, so the shared weights' gradient state is never touched and
 * calls may run on many threads at once.
 *
 * <pre>{@code
 * Saliency s = Saliency.builder(encoder, 7).optOutput(ExplainedOutput.LOGIT).build();
 * }</pre>
 */
public abstract class GradientExplainer implements Explainer {
  /** The encoder gradients flow through. */
  protected final DifferentiableEncoder encoder;
  /** Side g of the maps. */
  protected final int grid;
  /** Images (or path points) per backward pass. */
  protected final int internalBatchSize;
  private final ExplainedOutput output;
  private final LongAdder passes = new LongAdder();

  /**
   * The settings every gradient method takes; subclasses' builders extend it.
   *
   * @param <B> the concrete builder
   */
  public abstract static class Builder<B extends Builder<B>> {
    final DifferentiableEncoder encoder;
    final int grid;
    ExplainedOutput output = ExplainedOutput.LOGIT;
    int chunk = 32;
    boolean chunkSet;

    Builder(DifferentiableEncoder encoder, int grid) {
      this.encoder = encoder;
      this.grid = grid;
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /** @param v the explained output (default the logit) @return this */
    public B optOutput(ExplainedOutput v) { output = v; return self(); }
    /** @param v images (or path points) per backward pass (Captum's internal batch size; default 32) @return this */
    public B optInternalBatchSize(int v) { chunk = v; chunkSet = true; return self(); }
  }

  /**
   * @param encoder the encoder, in eval mode
   * @param grid side g of the maps (divides the image side)
   * @param output the explained output
   * @param internalBatchSize images per backward pass
   */
  protected GradientExplainer(DifferentiableEncoder encoder, int grid, ExplainedOutput output, int internalBatchSize) {
    if (encoder.imageSize() % grid != 0) throw new IllegalArgumentException("image side " + encoder.imageSize() + " is not a multiple of the grid " + grid);
    if (internalBatchSize < 1) throw new IllegalArgumentException("internal batch size: " + internalBatchSize);
    this.encoder = encoder;
    this.grid = grid;
    this.output = output;
    this.internalBatchSize = internalBatchSize;
  }

  /**
   * @param e any encoder
   * @param method the method that needs gradients, for the message
   * @return the encoder as a differentiable one
   * @throws IllegalArgumentException when it is not
   */
  public static DifferentiableEncoder differentiable(Encoder e, String method) {
    if (e instanceof DifferentiableEncoder d) return d;
    throw new IllegalArgumentException(method + " needs gradients through the encoder, and this " + e.getClass().getSimpleName()
        + " does not give them (it is not a DifferentiableEncoder)");
  }

  @Override public int grid() { return grid; }
  @Override public ExplainedOutput output() { return output; }
  @Override public Encoder encoder() { return encoder; }
  @Override public long forwardPasses() { return passes.sum(); }
  @Override public long backwardPasses() { return passes.sum(); }
  @Override public boolean usesGradients() { return true; }

  /** @return output and internal batch size, for provenance */
  protected Map<String, Object> baseParameters() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("output", output.name().toLowerCase(Locale.ROOT));
    p.put("internalBatchSize", internalBatchSize);
    return p;
  }

  /** Checks a batch against the encoder. */
  void check(Images images, Head head, int[] targets, int[] foils) {
    if (head.dim() != encoder.dim()) throw new IllegalArgumentException("head " + head.name() + " takes D=" + head.dim() + ", encoder gives " + encoder.dim());
    if (images.channels() != encoder.channels() || images.size() != encoder.imageSize()) {
      throw new IllegalArgumentException("images are " + images.channels() + " x " + images.size() + "; the encoder takes " + encoder.channels() + " x "
          + encoder.imageSize());
    }
    if (targets.length < images.n() || (foils != null && foils.length < images.n())) throw new IllegalArgumentException("one target (and foil) per image");
  }

  /**
   * One forward and backward pass: d output[targets[i]] (minus foils[i]) / d x[i] for images
   * [n, C, S, S] taken from x at image {@code first}; also hands the tapped layer and its gradient to
   * {@code layer} when it is not null.
   *
   * @param x images
   * @param first first image
   * @param n images in the pass
   * @param head the head
   * @param targets class per image of the pass
   * @param foils contrast class per image of the pass, or null
   * @param layer receives (activation, gradient) of the encoder's Grad-CAM layer, or null for input gradients only
   * @return the input gradient [n * C * S * S]
   */
  protected final float[] gradient(float[] x, int first, int n, Head head, int[] targets, int[] foils, Consumer<Tensor[]> layer) {
    int c = encoder.channels(), s = encoder.imageSize(), f = c * s * s, classes = head.classes();
    float[] grad = new float[n * f];
    try (dev.tve.runtime.ThreadPolicy.BackwardScope safe = dev.tve.runtime.ThreadPolicy.backwardScope(); PointerScope scope = new PointerScope()) {
      Tensor in = NativeTensors.copyOf(x, first * f, n, c, s, s);
      in.requires_grad_(true);                                   // a graph even if the weights are frozen
      Tensor[] tapped = new Tensor[1];
      Tensor emb = layer == null ? encoder.forward(in) : encoder.forward(in, t -> tapped[0] = t);
      Tensor out = head.forward(emb);                              // [n, C] logits
      if (output == ExplainedOutput.PROBABILITY) out = out.softmax(1);
      float[] pick = new float[n * classes];
      for (int i = 0; i < n; i++) {
        pick[i * classes + targets[i]] = 1;
        if (foils != null && foils[i] >= 0) pick[i * classes + foils[i]] -= 1;
      }
      if (layer != null && tapped[0] == null) throw new IllegalStateException(encoder.architectureName() + " encoder showed no Grad-CAM layer");
      // Gradients of the requested tensors only (torch::autograd::grad), never .backward(): that would
      // accumulate into the shared weights' .grad, which concurrent calls race on (libtorch asserts, wrong maps).
      Tensor sum = out.mul(NativeTensors.copyOf(pick, 0, n, classes)).sum();
      Tensor wrt = layer == null ? in : tapped[0];
      Tensor g = torch.grad(new TensorVector(sum), new TensorVector(wrt)).get(0);
      if (layer == null) {
        g.contiguous().data_ptr_float().get(grad);
      } else {
        layer.accept(new Tensor[] {tapped[0].detach().contiguous(), g.contiguous()});
      }
    }
    passes.add(n);
    return grad;
  }

  /**
   * Sums a pixel map [C, S, S] at {@code at} into g x g patches over channels, absolute values when asked.
   *
   * @param px pixel values
   * @param at offset of the image
   * @param channels C
   * @param size S
   * @param grid g
   * @param absolute sum |v| instead of v
   * @return the g x g map
   */
  static float[] pool(float[] px, int at, int channels, int size, int grid, boolean absolute) {
    int cell = size / grid, plane = size * size;
    float[] m = new float[grid * grid];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          float v = px[at + c * plane + y * size + x];
          m[(y / cell) * grid + x / cell] += absolute ? Math.abs(v) : v;
        }
      }
    }
    return m;
  }
}
