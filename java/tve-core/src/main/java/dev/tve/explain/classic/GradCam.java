package dev.tve.explain.classic;

import dev.tve.explain.PatchExplainer;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Grad-CAM (Selvaraju et al., 2017; Captum's {@code LayerGradCam}): the activations A of one layer
 * weighted by the mean gradient of the target logit over their positions, summed over channels,
 * ReLU: cam = max(0, sum_k alpha_k A_k), alpha_k = mean over positions of d logit / d A_k. The
 * layer is the encoder's {@link EncoderModule#forward(Tensor, java.util.function.Consumer)} tap:
 * for a ViT the patch tokens entering its last block (as pytorch-grad-cam does for ViTs; the
 * block's output patch tokens do not reach the [CLS] embedding, so their gradient is zero), for a
 * CNN its last convolution. Cells pool into patches by summing (a layer coarser than the grid repeats
 * its cells). One forward and one backward pass per image.
 *
 * <pre>{@code
 * GradCam cam = new GradCam(encoder, model.head("ten-class"), 7, 32);
 * float[][] maps = cam.explain(x, n, targets);
 * }</pre>
 */
public final class GradCam implements PatchExplainer {
  private final EncoderModule encoder;
  private final Head head;
  private final int grid, chunk;
  private long passes;

  /** @param chunk images per backward pass (Captum's internal batch size) */
  public GradCam(EncoderModule encoder, Head head, int grid, int chunk) {
    if (head.dim() != encoder.dim()) throw new IllegalArgumentException("head " + head.name() + " takes D=" + head.dim() + ", encoder gives " + encoder.dim());
    if (encoder.imageSize() % grid != 0) throw new IllegalArgumentException("image side " + encoder.imageSize() + " is not a multiple of the grid " + grid);
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    this.encoder = encoder;
    this.head = head;
    this.grid = grid;
    this.chunk = chunk;
  }

  @Override public String name() { return "grad-cam"; }
  @Override public int grid() { return grid; }
  @Override public long forwardPasses() { return passes; }
  @Override public long backwardPasses() { return passes; }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) {
    float[][] out = new float[n][];
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      float[][] maps = chunk(x, first, k, targets);
      System.arraycopy(maps, 0, out, first, k);
    }
    return out;
  }

  private float[][] chunk(float[] x, int first, int k, int[] targets) {
    int c = encoder.channels(), s = encoder.imageSize(), f = c * s * s, classes = head.classes();
    float[] act, grad;
    long[] shape;
    try (PointerScope scope = new PointerScope()) {
      FloatPointer p = new FloatPointer((long) k * f);
      p.put(x, first * f, k * f);
      Tensor in = torch.from_blob(p, new long[] {k, c, s, s}, new TensorOptions(torch.ScalarType.Float)).clone();
      in.requires_grad_(true);                                  // a graph even if the weights are frozen
      Tensor[] layer = new Tensor[1];
      Tensor logits = head.forward(encoder.forward(in, t -> {
        t.retain_grad();
        layer[0] = t;
      }));
      if (layer[0] == null) throw new IllegalStateException(encoder.architecture().name() + " encoder showed no Grad-CAM layer");
      float[] pick = new float[k * classes];
      for (int i = 0; i < k; i++) pick[i * classes + targets[first + i]] = 1;
      logits.mul(torch.from_blob(new FloatPointer(pick), new long[] {k, classes}, new TensorOptions(torch.ScalarType.Float))).sum().backward();
      shape = layer[0].sizes().vec().get();
      act = new float[(int) layer[0].numel()];
      grad = new float[act.length];
      layer[0].detach().contiguous().data_ptr_float().get(act);
      layer[0].grad().contiguous().data_ptr_float().get(grad);
      encoder.zero_grad(true);                                 // no gradient state outlives the call
    }
    passes += k;
    float[][] out = new float[k][];
    for (int i = 0; i < k; i++) out[i] = shape.length == 4 ? convolutional(act, grad, i, shape) : tokens(act, grad, i, shape);
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
}
