package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.zeros;

import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A small CNN: three 3 x 3 convolution blocks (ReLU, 2 x 2 max-pool) of width w, 2w, D, then global
 * average pooling to the embedding [B, D].
 *
 * <pre>{@code
 * CnnEncoder cnn = new CnnEncoder(1, 56, 32, 128);
 * }</pre>
 */
public final class CnnEncoder extends EncoderModule {
  private final Tensor[] w = new Tensor[3];
  private final Tensor[] b = new Tensor[3];

  public CnnEncoder(int channels, int imageSize, int width, int dim) {
    super(new Architecture("cnn", channels, imageSize, dim, Map.of("width", width)));
    int[] in = {channels, width, 2 * width}, out = {width, 2 * width, dim};
    for (int i = 0; i < 3; i++) {
      w[i] = param("conv" + i + "_w", randn(out[i], in[i], 3, 3).mul_(new Scalar((float) Math.sqrt(2.0 / (9 * in[i])))));
      b[i] = param("conv" + i + "_b", zeros(out[i]));
    }
  }

  @Override
  public Tensor forward(Tensor x) {
    return forward(x, null);
  }

  @Override
  public Tensor forward(Tensor x, java.util.function.Consumer<Tensor> camLayer) {
    Tensor h = x;
    for (int i = 0; i < 3; i++) {
      h = relu(conv(h, w[i], b[i], 1, 1));
      if (i == 2 && camLayer != null) camLayer.accept(h);
      if (i < 2) h = max_pool2d(h, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, new long[] {1, 1}, false);
    }
    return h.mean(new long[] {2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
  }
}
