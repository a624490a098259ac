package dev.tve.explain.classic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.model.EncoderModule;
import dev.tve.model.LinearHead;
import dev.tve.model.VitEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Saliency and Integrated Gradients through a small random ViT and a linear head. */
class GradientExplainersTest {
  static final int S = 56, G = 7, F = S * S, C = 10;
  final EncoderModule encoder;
  final LinearHead head;
  final float[] x = new float[2 * F];

  GradientExplainersTest() {
    torch.manual_seed(3);
    encoder = new VitEncoder(1, S, 8, 32, 1, 4);
    encoder.eval();
    SplittableRandom r = new SplittableRandom(5);
    float[] w = new float[C * 32], b = new float[C];
    for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
    List<String> names = new ArrayList<>();
    for (int c = 0; c < C; c++) names.add("c" + c);
    head = new LinearHead("h", w, b, names);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 0.8);
  }

  dev.tve.explain.Images img(int n) {
    return dev.tve.explain.Images.of(x, n, 1, S);
  }

  @Test
  void theProbabilityOutputHasTheSoftmaxGradient() {
    Saliency p = Saliency.builder(encoder, G).optOutput(dev.tve.model.ExplainedOutput.PROBABILITY).build();
    float[] img = java.util.Arrays.copyOf(x, F);
    float[] grad = p.gradient(img, 0, 1, head, new int[] {4}, null, null);
    int q = 0;
    for (int i = 1; i < F; i++) if (Math.abs(grad[i]) > Math.abs(grad[q])) q = i;
    float eps = 0.05f;
    float[] up = img.clone(), down = img.clone();
    up[q] += eps;
    down[q] -= eps;
    double fd = (prob(up, 4) - prob(down, 4)) / (2.0 * eps);
    assertThat(fd).isCloseTo(grad[q], within(0.1 * Math.abs(grad[q]) + 1e-4));
  }

  double prob(float[] img, int target) {
    float[] e = encoder.embed(torch.from_blob(new FloatPointer(img), new long[] {1, 1, S, S}, new TensorOptions(torch.ScalarType.Float)));
    return dev.tve.model.Head.softmax(head.logits(e, 0))[target];
  }

  float logit(float[] img, int target) {
    float[] e = encoder.embed(torch.from_blob(new FloatPointer(img), new long[] {1, 1, S, S}, new TensorOptions(torch.ScalarType.Float)));
    return head.logits(e, 0)[target];
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    Saliency g = Saliency.builder(encoder, G).build();
    float[] img = java.util.Arrays.copyOf(x, F);
    float[] grad = g.gradient(img, 0, 1, head, new int[] {4}, null, null);
    // The three pixels with the largest gradients: central differences agree.
    Integer[] idx = new Integer[F];
    for (int i = 0; i < F; i++) idx[i] = i;
    java.util.Arrays.sort(idx, (a, b) -> Float.compare(Math.abs(grad[b]), Math.abs(grad[a])));
    float eps = 0.05f;
    for (int k = 0; k < 3; k++) {
      int q = idx[k];
      float[] up = img.clone(), down = img.clone();
      up[q] += eps;
      down[q] -= eps;
      double fd = (logit(up, 4) - logit(down, 4)) / (2.0 * eps);
      assertThat(fd).isCloseTo(grad[q], within(0.1 * Math.abs(grad[q]) + 1e-3));
    }
  }

  @Test
  void saliencyIsTheAbsoluteGradientSummedPerPatch() {
    Saliency s = Saliency.builder(encoder, G).optInternalBatchSize(2).build();
    float[][] m = s.attribute(img(2), head, new int[] {1, 7}, null);
    float[] g0 = Saliency.builder(encoder, G).build().gradient(java.util.Arrays.copyOf(x, F), 0, 1, head, new int[] {1}, null, null);
    float[] expect = GradientExplainer.pool(g0, 0, 1, S, G, true);
    for (int p = 0; p < G * G; p++) {
      assertThat(m[0][p]).isGreaterThanOrEqualTo(0f).isCloseTo(expect[p], within(1e-4f + 1e-3f * expect[p]));
    }
    assertThat(s.forwardPasses()).isEqualTo(2);
    // Another class reads the same image differently.
    assertThat(s.attribute(img(1), head, new int[] {2}, null)[0]).isNotEqualTo(m[0]);
  }

  @Test
  void integratedGradientsAreComplete() {
    float[] black = new float[F];
    java.util.Arrays.fill(black, -0.5f);
    IntegratedGradients ig = IntegratedGradients.builder(encoder, G).optSteps(50).optBaseline(black).build();
    int[] targets = {3, 8};
    float[][] m = ig.attribute(img(2), head, targets, null);
    assertThat(ig.forwardPasses()).isEqualTo(100);
    for (int i = 0; i < 2; i++) {
      double sum = 0;
      for (float v : m[i]) sum += v;
      double gap = logit(java.util.Arrays.copyOfRange(x, i * F, (i + 1) * F), targets[i]) - logit(black, targets[i]);
      // The midpoint rule with 50 steps: the map sums to the logit gap within a few per cent.
      assertThat(sum).isCloseTo(gap, within(0.05 * Math.abs(gap) + 0.02));
    }
  }

  @Test
  void pixelMapsSumToThePatchMaps() {
    int[] targets = {1, 7};
    Saliency s = Saliency.builder(encoder, G).optInternalBatchSize(2).build();
    float[][] px = s.attributePixels(img(2), head, targets, null);
    assertThat(s.imageSize()).isEqualTo(S);
    assertThat(px[0]).hasSize(F);
    for (float v : px[0]) assertThat(v).isGreaterThanOrEqualTo(0f);
    assertPoolsTo(px, s.attribute(img(2), head, targets, null));

    float[] black = new float[F];
    java.util.Arrays.fill(black, -0.5f);
    IntegratedGradients ig = IntegratedGradients.builder(encoder, G).optSteps(20).optBaseline(black).build();
    float[][] igPx = ig.attributePixels(img(2), head, targets, null);
    assertPoolsTo(igPx, ig.attribute(img(2), head, targets, null));
    // Signed: IG's pixel map has both signs on a random model.
    int negative = 0, positive = 0;
    for (float v : igPx[0]) { if (v < 0) negative++; if (v > 0) positive++; }
    assertThat(negative).isPositive();
    assertThat(positive).isPositive();
  }

  static void assertPoolsTo(float[][] pixels, float[][] patches) {
    int cell = S / G;
    for (int i = 0; i < pixels.length; i++) {
      double[] pooled = new double[G * G];
      for (int y = 0; y < S; y++) for (int xx = 0; xx < S; xx++) pooled[(y / cell) * G + xx / cell] += pixels[i][y * S + xx];
      for (int p = 0; p < G * G; p++) {
        assertThat(pooled[p]).isCloseTo(patches[i][p], within(1e-4 + 1e-3 * Math.abs(patches[i][p])));
      }
    }
  }
}
