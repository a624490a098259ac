package dev.tve.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tve.kernel.Backend;
import dev.tve.kernel.ProjectionEngine;
import dev.tve.model.Head;
import dev.tve.model.LinearHead;
import dev.tve.model.MlpHead;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.model.VitEncoder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TveExplainerTest {
  static VitEncoder enc;
  static ExplainerNetwork net;
  static ExplainerCard card;
  static LinearHead ten;
  static MlpHead mlp;
  static TargetModel model;

  @BeforeAll
  static void setUp() throws Exception {
    ExplainerTest.data();
    enc = ExplainerTest.tinyEncoder();
    torch.manual_seed(21);
    net = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED));
    net.eval();
    card = ExplainerCard.of("explainer", net.config(), "x", 1, 1.0, 1.0, "test", Map.of(), List.of(), "", null, null, null, "test");
    Random r = new Random(3);
    List<String> names = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");
    ten = new LinearHead("ten-class", gauss(r, 10 * 32), gauss(r, 10), names);
    mlp = new MlpHead("coarse", 32, 8, gauss(r, 8 * 32), gauss(r, 8), gauss(r, 3 * 8), gauss(r, 3), List.of("a", "b", "c"));
    model = new TargetModel(enc, ModelCard.of(enc.architecture(), names, dev.tve.model.InputSpec.of(enc.architecture().imageSize(), enc.architecture().channels(), 0f, 1f, 7)),
        List.of(ten, mlp));
  }

  static float[] gauss(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }

  /** a[p] = W_k . (E+[p] - E-[p]) (biases cancel with lambda+ = lambda- = 1), in double. */
  static double expectedLinear(float[] pos, float[] neg, int image, int patch, int cls, int foil) {
    double s = 0;
    for (int d = 0; d < 32; d++) {
      double w = ten.weight()[cls * 32 + d] - (foil >= 0 ? ten.weight()[foil * 32 + d] : 0);
      int at = (image * 49 + patch) * 32 + d;
      s += w * (pos[at] - neg[at]);
    }
    return s;
  }

  @Test
  void everyTargetFormFollowsTheTransferRule() {
    Tensor x = ExplainerTest.batch(0, 3);
    float[] pos = new float[3 * 49 * 32], neg = new float[3 * 49 * 32];
    net.predict(x, pos, neg);
    float[] emb = enc.embed(x);
    for (Backend backend : new Backend[] {Backend.JAVA, Backend.CPU}) {
      TveExplainer tve = TveExplainer.builder(model, net, card).optEngine(ProjectionEngine.builder().optBackend(backend).build()).build();
      for (String t : new String[] {"pred", "7", "topk:3", "all", "2:5"}) {
        TargetSpec spec = TargetSpec.parse(t);
        List<Attribution> maps = tve.explain(x, List.of(ten), spec);
        assertThat(maps).hasSize(3 * spec.count(10));
        for (Attribution a : maps) {
          assertThat(a.grid()).isEqualTo(7);
          assertThat(a.predicted()).isEqualTo(ten.argmax(emb, a.image()));
          if (t.equals("pred")) assertThat(a.target()).isEqualTo(a.predicted());
          for (int p = 0; p < 49; p++) {
            double want = expectedLinear(pos, neg, a.image(), p, a.target(), a.foil());
            assertThat((double) a.raw()[p]).as("%s %s image %d patch %d", backend, t, a.image(), p).isCloseTo(want, within(1e-3 + 1e-4 * Math.abs(want)));
          }
          float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
          for (float v : a.map()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
          assertThat(min).isCloseTo(0f, within(1e-6f));
          assertThat(max).isCloseTo(1f, within(1e-6f));
        }
      }
    }
  }

  @Test
  void nonLinearHeadsUseTheHeadOnPredictedEmbeddings() {
    Tensor x = ExplainerTest.batch(5, 2);
    float[] pos = new float[2 * 49 * 32], neg = new float[2 * 49 * 32];
    net.predict(x, pos, neg);
    TveExplainer tve = TveExplainer.builder(model, net, card).build();
    List<Attribution> maps = tve.explain(x, List.of(mlp, ten), TargetSpec.parse("1"));
    assertThat(maps).extracting(Attribution::head).containsExactly("coarse", "ten-class", "coarse", "ten-class");
    for (Attribution a : maps) {
      if (!a.head().equals("coarse")) continue;
      for (int p = 0; p < 49; p++) {
        float[] hp = mlp.logits(pos, a.image() * 49 + p), hn = mlp.logits(neg, a.image() * 49 + p);
        assertThat(a.raw()[p]).isCloseTo(hp[1] - hn[1], within(1e-3f));
      }
    }
  }

  /**
   * Orientation, an asymmetric case: pixels of patch c (row c / g, column c % g) change the
   * trunk's token c most, and Masks' window for centre c covers exactly them, so E+[c] is trained
   * against the right masked image and maps are drawn in image orientation (the reference swaps
   * rows and columns).
   */
  @Test
  void tokenMaskAndMapOrderAgree() {
    // A trunk that passes pixel (8t + ...) of patch t only to token t: identity centre taps in the
    // stem, a patch embedding summing channel 0 with a different weight per output dimension.
    VitEncoder noAttention = new VitEncoder(1, 56, 8, 32, 0, 4);
    noAttention.eval();
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      var params = noAttention.named_parameters(true);
      for (long i = 0; i < params.size(); i++) {
        String name = params.get(i).key().getString();
        if (name.matches("stem\\d_w|patch_w|patch_b|pos|cls")) params.get(i).value().zero_();
      }
      for (int st = 0; st < 3; st++) params.get("stem" + st + "_w").select(0, 0).select(0, 0).select(0, 1).select(0, 1).fill_(new org.bytedeco.pytorch.Scalar(1f));
      for (int d = 0; d < 32; d++) params.get("patch_w").select(0, d).select(0, 0).fill_(new org.bytedeco.pytorch.Scalar(d + 1f));
    }
    for (int centre : new int[] {6, 13, 42}) {
      float[] base = new float[56 * 56], bumped = base.clone();
      float[] mask = Masks.pixels(7, 56, centre, 0);
      for (int q = 0; q < mask.length; q++) bumped[q] += 3 * mask[q];
      int r = centre / 7, c = centre % 7;
      assertThat(bumped[(r * 8 + 3) * 56 + c * 8 + 3]).isEqualTo(3f);
      Tensor a, b;
      try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
        a = noAttention.tokens(torch.from_blob(new org.bytedeco.javacpp.FloatPointer(base), 1, 1, 56, 56).clone());
        b = noAttention.tokens(torch.from_blob(new org.bytedeco.javacpp.FloatPointer(bumped), 1, 1, 56, 56).clone());
      }
      Tensor change = b.sub(a).abs().sum(new long[] {2}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).narrow(1, 1, 49).contiguous();
      float[] ch = new float[49];
      change.data_ptr_float().get(ch);
      int best = 0;
      for (int i = 1; i < 49; i++) if (ch[i] > ch[best]) best = i;
      assertThat(best).as("token most changed by patch %d", centre).isEqualTo(centre);
    }
  }

  @Test
  void badTargetsAndImagesAreClearErrors() {
    TveExplainer tve = TveExplainer.builder(model, net, card).build();
    assertThatThrownBy(() -> TargetSpec.parse("top3")).hasMessageContaining("pred, K, topk:N, all or K:J");
    assertThatThrownBy(() -> tve.explain(ExplainerTest.batch(0, 1), List.of(ten), TargetSpec.parse("12"))).hasMessageContaining("class 12");
    assertThatThrownBy(() -> tve.explain(ExplainerTest.batch(0, 1), List.of(ten), TargetSpec.parse("3:3"))).hasMessageContaining("foil");
    assertThatThrownBy(() -> tve.explain(torch.zeros(1, 3, 56, 56), List.<Head>of(ten), TargetSpec.predicted())).hasMessageContaining("[B, 1, 56, 56]");
  }
}
