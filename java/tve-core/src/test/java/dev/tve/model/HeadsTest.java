package dev.tve.model;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadsTest {
  /** Two Gaussian rings around the same centre: no line separates them, an MLP does. */
  static float[] rings(int n, int[] y, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 2];
    for (int i = 0; i < n; i++) {
      y[i] = i % 2;
      double a = r.nextDouble() * 2 * Math.PI, rad = (y[i] == 0 ? 1 : 3) + r.nextGaussian() * 0.2;
      x[2 * i] = (float) (rad * Math.cos(a) + 5);
      x[2 * i + 1] = (float) (rad * Math.sin(a) - 2);
    }
    return x;
  }

  @Test
  void anMlpHeadLearnsWhatNoLinearHeadCan() {
    int n = 400;
    int[] y = new int[n];
    float[] x = rings(n, y, 3);
    Probe probe = Probe.builder().optSteps(400).optSeed(1).build();
    double linear = probe.trainLinear("lin", x, y, List.of("in", "out")).accuracy(x, y);
    MlpHead mlp = probe.trainMlp("mlp", x, y, List.of("in", "out"), 16);
    int[] yt = new int[n];
    float[] xt = rings(n, yt, 4);
    assertThat(linear).as("linear head on rings").isLessThan(0.8);
    assertThat(mlp.accuracy(xt, yt)).as("MLP head on fresh rings").isGreaterThan(0.95);
  }

  /**
   * The Java logits (double, erf to 1e-7) and libtorch's (float32) agree to float32 resolution of
   * sums of ~D terms: 1e-4 relative to the sum of |terms|, here below 1e-3 absolute.
   */
  @Test
  void javaAndLibtorchLogitsAgree() {
    Random r = new Random(7);
    int d = 24, h = 12, c = 5, n = 6;
    MlpHead mlp = new MlpHead("m", d, h, gauss(r, h * d), gauss(r, h), gauss(r, c * h), gauss(r, c), List.of("a", "b", "c", "d", "e"));
    LinearHead lin = new LinearHead("l", gauss(r, c * d), gauss(r, c), List.of("a", "b", "c", "d", "e"));
    float[] e = gauss(r, n * d);
    for (Head head : List.<Head>of(mlp, lin)) {
      try (PointerScope scope = new PointerScope()) {
        Tensor t = torch.from_blob(new FloatPointer(e), new long[] {n, d}, new TensorOptions(torch.ScalarType.Float));
        Tensor out = head.forward(t).contiguous();
        float[] fromTorch = new float[n * c];
        out.data_ptr_float().get(fromTorch);
        for (int i = 0; i < n; i++) {
          float[] ref = head.logits(e, i);
          for (int k = 0; k < c; k++) assertThat(fromTorch[i * c + k]).as("%s image %d class %d", head.name(), i, k).isCloseTo(ref[k], within(1e-3f));
        }
      }
    }
    assertThat(MlpHead.erf(0.5)).isCloseTo(0.5204998778, within(2e-7));
    assertThat(MlpHead.erf(-1.5)).isCloseTo(-0.9661051465, within(2e-7));
  }

  @Test
  void headsSurviveSaveAndLoad(@TempDir Path dir) throws Exception {
    Random r = new Random(2);
    MlpHead mlp = new MlpHead("coarse", 8, 4, gauss(r, 32), gauss(r, 4), gauss(r, 12), gauss(r, 3), List.of("tops", "bottoms", "shoes"));
    LinearHead lin = new LinearHead("ten-class", gauss(r, 80), gauss(r, 10), List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    Heads.save(dir, mlp);
    Heads.save(dir, lin);
    List<Head> back = Heads.loadAll(dir);
    assertThat(back).extracting(Head::name).containsExactly("coarse", "ten-class");
    float[] e = gauss(r, 8);
    assertThat(back.get(0).logits(e, 0)).containsExactly(mlp.logits(e, 0));
    assertThat(back.get(1).logits(e, 0)).containsExactly(lin.logits(e, 0));
    assertThat(back.get(0).classNames()).containsExactly("tops", "bottoms", "shoes");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
    }
    assertThatThrownBy(() -> Heads.save(dir, new LinearHead("../evil", new float[2], new float[1], List.of("a"))))
        .hasMessageContaining("head name");
  }

  @Test
  void aTargetModelChecksItsHeadsAndSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
    EncoderModuleTest.data();
    torch.manual_seed(5);
    VitEncoder vit = new VitEncoder(1, 56, 8, 32, 1, 4);
    vit.eval();
    Random r = new Random(9);
    LinearHead ten = new LinearHead("ten-class", gauss(r, 10 * 32), gauss(r, 10), List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
    MlpHead mlp = new MlpHead("coarse", 32, 8, gauss(r, 8 * 32), gauss(r, 8), gauss(r, 16), gauss(r, 2), List.of("a", "b"));
    ModelCard card = ModelCard.of(vit.architecture(), List.of(), InputSpec.of(56, 1, 0f, 1f, 7));
    TargetModel model = new TargetModel(vit, card, List.of(ten, mlp));
    assertThatThrownBy(() -> model.head("nope")).hasMessageContaining("[ten-class, coarse]");
    LinearHead wrongD = new LinearHead("wide", new float[2 * 64], new float[2], List.of("a", "b"));
    assertThatThrownBy(() -> model.withHead(wrongD)).hasMessageContaining("D=64").hasMessageContaining("D=32");
    model.save(dir);
    TargetModel back = TargetModel.load(dir);
    Tensor x = EncoderModuleTest.batch(3, 4);
    float[] a = vit.embed(x), b = back.encoder().embed(x);
    assertThat(b).containsExactly(a);
    assertThat(back.heads().keySet()).containsExactlyInAnyOrder("ten-class", "coarse");
    assertThat(back.head("coarse").logits(b, 2)).containsExactly(mlp.logits(a, 2));
    // Weights that do not match the card are refused.
    Files.write(dir.resolve("encoder.pt"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> TargetModel.load(dir)).hasMessageContaining("does not match its card");
  }

  static float[] gauss(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }
}
