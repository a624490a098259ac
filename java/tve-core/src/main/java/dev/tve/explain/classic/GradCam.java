package dev.tve.explain.classic;

import dev.tve.explain.Images;
import dev.tve.model.DifferentiableEncoder;
import dev.tve.model.Head;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Grad-CAM (Selvaraju et al., 2017; Captum's {@code LayerGradCam}): the activations A of one layer
 * weighted by the mean gradient of the explained output over their positions, summed over channels,
 * ReLU: cam = max(0, sum_k alpha_k A_k), alpha_k = mean over positions of d y / d A_k, y the
 * explained output (logit or probability). The layer is the encoder's
 * {@link DifferentiableEncoder#forward(Tensor, java.util.function.Consumer)} tap:
 * for a ViT the patch tokens entering its last block (as pytorch-grad-cam does for ViTs; the
 * block's output patch tokens do not reach the [CLS] embedding, so their gradient is zero), for a
 * CNN its last convolution. Cells pool into patches by summing (a layer coarser than the grid repeats
 * its cells). One forward and one backward pass per image.
 *
 * <pre>{@code
 * GradCam cam = GradCam.builder(encoder, 7).build();
 * float[][] maps = cam.attribute(Images.of(x, n, 1, 56), model.head("ten-class"), targets, null);
 * }</pre>
 *
 * Threads: may be shared.
 */
public final class GradCam extends GradientExplainer {
  private GradCam(Builder b) {
    super(b.encoder, b.grid, b.output, b.chunk);
  }

  /**
   * @param encoder the encoder, in eval mode
   * @param grid side g of the maps
   * @return a builder
   */
  public static Builder builder(DifferentiableEncoder encoder, int grid) {
    return new Builder(encoder, grid);
  }

  @Override public String name() { return "grad-cam"; }
  @Override public Map<String, Object> parameters() { return baseParameters(); }

  @Override
  public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
    check(images, head, targets, foils);
    int n = images.n();
    float[][] out = new float[n][];
    for (int first = 0; first < n; first += internalBatchSize) {
      int k = Math.min(internalBatchSize, n - first);
      Tensor[][] layer = new Tensor[1][];
      float[][] act = new float[1][], grad = new float[1][];
      long[][] shape = new long[1][];
      gradient(images.x(), first, k, head, java.util.Arrays.copyOfRange(targets, first, first + k),
          foils == null ? null : java.util.Arrays.copyOfRange(foils, first, first + k), t -> {
            shape[0] = t[0].sizes().vec().get();
            act[0] = new float[(int) t[0].numel()];
            grad[0] = new float[act[0].length];
            t[0].data_ptr_float().get(act[0]);
            t[1].data_ptr_float().get(grad[0]);
          });
      for (int i = 0; i < k; i++) {
        out[first + i] = shape[0].length == 4 ? convolutional(act[0], grad[0], i, shape[0]) : tokens(act[0], grad[0], i, shape[0]);
      }
    }
    return out;
  }

  /** [B, K, h, w]: alpha over h * w positions, cam on the h x w cells, pooled or repeated onto the grid. */
  private float[] convolutional(float[] a, float[] g, int i, long[] shape) {
    int ch = (int) shape[1], h = (int) shape[2], w = (int) shape[3], cells = h * w;
    if (h != w || (h % grid != 0 && grid % h != 0)) throw new IllegalArgumentException("Grad-CAM layer " + h + " x " + w + " does not tile a " + grid + " grid");
    float[] cam = new float[cells];
    int base = i * ch * cells;
    for (int k = 0; k < ch; k++) {
      double alpha = 0;
      for (int q = 0; q < cells; q++) alpha += g[base + k * cells + q];
      alpha /= cells;
      for (int q = 0; q < cells; q++) cam[q] += (float) (alpha * a[base + k * cells + q]);
    }
    float[] m = new float[grid * grid];
    for (int q = 0; q < cells; q++) {
      float v = Math.max(0, cam[q]);
      int y = q / w, x = q % w;
      if (h >= grid) {
        m[(y / (h / grid)) * grid + x / (h / grid)] += v;
      } else {
        int r = grid / h;
        for (int dy = 0; dy < r; dy++) for (int dx = 0; dx < r; dx++) m[(y * r + dy) * grid + x * r + dx] = v;
      }
    }
    return m;
  }

  /** [B, T, D] with T = P (+ 1 for [CLS], first): alpha over the patch tokens. */
  private float[] tokens(float[] a, float[] g, int i, long[] shape) {
    int t = (int) shape[1], d = (int) shape[2], p = grid * grid, skip = t - p;
    if (skip != 0 && skip != 1) throw new IllegalArgumentException("Grad-CAM layer has " + t + " tokens; the grid has " + p + " patches");
    int base = (i * t + skip) * d;
    double[] alpha = new double[d];
    for (int q = 0; q < p; q++) for (int k = 0; k < d; k++) alpha[k] += g[base + q * d + k] / p;
    float[] m = new float[p];
    for (int q = 0; q < p; q++) {
      double v = 0;
      for (int k = 0; k < d; k++) v += alpha[k] * a[base + q * d + k];
      m[q] = (float) Math.max(0, v);
    }
    return m;
  }

  /** Builder of {@link GradCam}; {@code opt*} setters have defaults. */
  public static final class Builder extends GradientExplainer.Builder<Builder> {
    private Builder(DifferentiableEncoder encoder, int grid) {
      super(encoder, grid);
    }

    /** @return the explainer */
    public GradCam build() { return new GradCam(this); }
  }
}
