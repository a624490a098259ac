package dev.tve.explain.classic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.model.CnnEncoder;
import dev.tve.model.EncoderModule;
import dev.tve.model.LinearHead;
import dev.tve.model.VitEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Grad-CAM on the CNN, where it has a closed form, and on the ViT's last-block tokens. */
class GradCamTest {
  static final int S = 56, G = 7, F = S * S, C = 5;

  static LinearHead head(int dim, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[C * dim], b = new float[C];
    for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
    List<String> names = new ArrayList<>();
    for (int c = 0; c < C; c++) names.add("c" + c);
    return new LinearHead("h", w, b, names);
  }

  static float[] images(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * F];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.8);
    return x;
  }

  @Test
  void onTheCnnItIsTheHeadWeightedLastConvolution() {
    // Embedding = spatial mean of the last feature maps A [D, 14, 14], logit = w . e + b, so
    // alpha_d = w_d / 196 and cam = relu(sum_d w_d A_d) / 196, summed over 2 x 2 cells per patch.
    torch.manual_seed(4);
    CnnEncoder cnn = new CnnEncoder(1, S, 8, 16);
    cnn.eval();
    LinearHead h = head(16, 2);
    float[] x = images(2, 3);
    int[] targets = {1, 3};
    float[][] maps = GradCam.builder(cnn, G).optInternalBatchSize(2).build().attribute(dev.tve.explain.Images.of(x, 2, 1, S), h, targets, null);
    float[] a;
    long[] shape;
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor[] layer = new Tensor[1];
      cnn.forward(torch.from_blob(new FloatPointer(x), new long[] {2, 1, S, S}, new TensorOptions(torch.ScalarType.Float)), t -> layer[0] = t);
      shape = layer[0].sizes().vec().get();
      a = new float[(int) layer[0].numel()];
      layer[0].contiguous().data_ptr_float().get(a);
    }
    assertThat(shape).containsExactly(2, 16, 14, 14);
    float[] w = h.weight();
    for (int i = 0; i < 2; i++) {
      float[] expect = new float[G * G];
      for (int y = 0; y < 14; y++) {
        for (int xx = 0; xx < 14; xx++) {
          double v = 0;
          for (int d = 0; d < 16; d++) v += w[targets[i] * 16 + d] * a[((i * 16 + d) * 14 + y) * 14 + xx] / 196.0;
          expect[(y / 2) * G + xx / 2] += (float) Math.max(0, v);
        }
      }
      for (int p = 0; p < G * G; p++) assertThat(maps[i][p]).isCloseTo(expect[p], within(1e-5f + 1e-3f * Math.abs(expect[p])));
    }
  }

  @Test
  void onTheVitItReadsTheTokensEnteringTheLastBlock() {
    torch.manual_seed(3);
    EncoderModule vit = new VitEncoder(1, S, 8, 32, 2, 4);
    vit.eval();
    LinearHead h = head(32, 5);
    float[] x = images(2, 6);
    GradCam cam = GradCam.builder(vit, G).build();
    float[][] m = cam.attribute(dev.tve.explain.Images.of(x, 2, 1, S), h, new int[] {0, 0}, null);
    float[][] again = cam.attribute(dev.tve.explain.Images.of(x, 2, 1, S), h, new int[] {0, 0}, null);
    assertThat(cam.forwardPasses()).isEqualTo(4);
    assertThat(cam.backwardPasses()).isEqualTo(4);
    double total = 0;
    for (int i = 0; i < 2; i++) {
      assertThat(m[i]).hasSize(G * G).isEqualTo(again[i]);
      for (float v : m[i]) {
        assertThat(v).isGreaterThanOrEqualTo(0f);
        total += v;
      }
    }
    assertThat(total).as("the tokens' gradient reaches the [CLS] embedding").isGreaterThan(0);
    float[][] other = cam.attribute(dev.tve.explain.Images.of(x, 2, 1, S), h, new int[] {2, 4}, null);
    assertThat(other[0]).isNotEqualTo(m[0]);
    // The tap sees the [CLS] token and the 49 patch tokens.
    Tensor[] layer = new Tensor[1];
    try (NoGradGuard g = new NoGradGuard()) {
      vit.forward(torch.from_blob(new FloatPointer(x), new long[] {2, 1, S, S}, new TensorOptions(torch.ScalarType.Float)), t -> layer[0] = t);
      assertThat(layer[0].sizes().vec().get()).containsExactly(2, 50, 32);
    }
  }
}
