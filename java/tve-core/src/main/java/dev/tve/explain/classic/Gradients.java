package dev.tve.explain.classic;

import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The gradient of one target logit per image with respect to the input pixels, through a built-in
 * encoder (libtorch autograd) and a head: what Saliency and Integrated Gradients are made of. The
 * encoder must be in eval mode; its weights get no gradient state that outlives a call.
 */
final class Gradients {
  private final EncoderModule encoder;
  private final Head head;
  private long passes;

  Gradients(EncoderModule encoder, Head head) {
    if (head.dim() != encoder.dim()) throw new IllegalArgumentException("head " + head.name() + " takes D=" + head.dim() + ", encoder gives " + encoder.dim());
    this.encoder = encoder;
    this.head = head;
  }

  int channels() { return encoder.channels(); }
  int size() { return encoder.imageSize(); }
  long passes() { return passes; }

  /** d logit[targets[i]] / d x[i], [n, C, S, S], for images [n, C, S, S]; also the logits when {@code logits} is not null. */
  float[] of(float[] x, int n, int[] targets, float[] logits) {
    int f = channels() * size() * size(), classes = head.classes();
    float[] grad = new float[n * f];
    try (PointerScope scope = new PointerScope()) {
      FloatPointer p = new FloatPointer((long) n * f);
      p.put(x, 0, n * f);
      Tensor in = torch.from_blob(p, new long[] {n, channels(), size(), size()}, new TensorOptions(torch.ScalarType.Float)).clone();
      in.requires_grad_(true);
      Tensor out = head.forward(encoder.forward(in));                     // [n, C]
      float[] pick = new float[n * classes];
      for (int i = 0; i < n; i++) pick[i * classes + targets[i]] = 1;
      Tensor onehot = torch.from_blob(new FloatPointer(pick), new long[] {n, classes}, new TensorOptions(torch.ScalarType.Float));
      out.mul(onehot).sum().backward();
      in.grad().contiguous().data_ptr_float().get(grad);
      encoder.zero_grad(true);                                 // the weights' gradients are not kept
      if (logits != null) {
        float[] all = new float[n * classes];
        out.detach().contiguous().data_ptr_float().get(all);
        for (int i = 0; i < n; i++) logits[i] = all[i * classes + targets[i]];
      }
    }
    passes += n;
    return grad;
  }

  /** Sums a pixel map [C, S, S] at {@code at} into g x g patches, over channels; absolute values when asked. */
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
