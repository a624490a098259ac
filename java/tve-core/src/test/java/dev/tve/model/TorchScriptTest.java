package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TorchScript modules built in Java (JitModule.define), saved, and loaded as users' models. */
class TorchScriptTest {
  /** An encoder for [B, 1, 8, 8]: flatten, times w [64, 16]. */
  static Path encoder(Path dir, Tensor w) {
    JitModule m = new JitModule(new QualifiedName("Encoder"));
    m.register_parameter("w", w, false);
    m.define(new BytePointer("def forward(self, x):\n    return torch.flatten(x, 1) @ self.w\n"));
    Path file = dir.resolve("encoder.pt");
    m.save(file.toString());
    return file;
  }

  @Test
  void aUsersEncoderEmbedsLikeItsOwnMath(@TempDir Path dir) {
    torch.manual_seed(1);
    Tensor w = randn(64, 16);
    TorchScriptEncoder enc = TorchScriptEncoder.load(encoder(dir, w), 1, 8);
    assertThat(enc.dim()).isEqualTo(16);
    float[] e = enc.embed(ones(2, 1, 8, 8));
    float[] colSum = new float[16];
    Tensor sums = w.sum(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).contiguous();
    sums.data_ptr_float().get(colSum);
    for (int d = 0; d < 16; d++) {
      assertThat(e[d]).isCloseTo(colSum[d], within(1e-4f));
      assertThat(e[16 + d]).isCloseTo(colSum[d], within(1e-4f));
    }
  }

  @Test
  void modelsThatDoNotFitFailBeforeAnyBatch(@TempDir Path dir) throws Exception {
    Path file = encoder(dir, randn(64, 16));
    assertThatThrownBy(() -> TorchScriptEncoder.load(file, 1, 9)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encoder.pt").hasMessageContaining("[2, 1, 9, 9]");
    Path notScript = Files.writeString(dir.resolve("notes.pt"), "not a zip");
    assertThatThrownBy(() -> TorchScriptEncoder.load(notScript, 1, 8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a TorchScript module");
    // forward returning [B, 4, 4] is not an encoder
    JitModule bad = new JitModule(new QualifiedName("Bad"));
    bad.define(new BytePointer("def forward(self, x):\n    return x.view(x.size(0), 8, 8)[:, :4, :4]\n"));
    Path badFile = dir.resolve("bad.pt");
    bad.save(badFile.toString());
    assertThatThrownBy(() -> TorchScriptEncoder.load(badFile, 1, 8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 4, 4]").hasMessageContaining("[B, D]");
  }

  @Test
  void headsLoadFromTorchScriptLinearNamedParametersAndNpy(@TempDir Path dir) throws Exception {
    TorchScriptEncoder enc = TorchScriptEncoder.load(encoder(dir, randn(64, 16)), 1, 8);
    Tensor w = randn(3, 16), b = randn(3);
    JitModule linear = new JitModule(new QualifiedName("Linear"));
    linear.register_parameter("weight", w, false);
    linear.register_parameter("bias", b, false);
    linear.define(new BytePointer("def forward(self, x):\n    return x @ self.weight.t() + self.bias\n"));
    Path lin = dir.resolve("linear.pt");
    linear.save(lin.toString());
    LinearHead head = Heads.fromTorchScriptLinear(lin, List.of("a", "b", "c"));
    Heads.check(enc, head);
    float[] wf = new float[48];
    w.contiguous().data_ptr_float().get(wf);
    assertThat(head.weight()).containsExactly(wf);

    JitModule outer = new JitModule(new QualifiedName("Model"));
    outer.register_module("fc", linear);
    outer.define(new BytePointer("def forward(self, x):\n    return self.fc.forward(x)\n"));
    Path model = dir.resolve("model.pt");
    outer.save(model.toString());
    assertThat(Heads.fromTorchScript(model, "fc.weight", "fc.bias", null).weight()).containsExactly(wf);
    assertThatThrownBy(() -> Heads.fromTorchScript(model, "head.weight", null, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fc.weight");

    Npy.write(dir.resolve("w.npy"), NpyArray.ofFloats(new float[3 * 15], 3, 15));
    LinearHead narrow = Heads.fromNpy(dir.resolve("w.npy"), null, null);
    assertThatThrownBy(() -> Heads.check(enc, narrow)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("D=15").hasMessageContaining("D=16");
  }

  @Test
  void gradientMethodsDifferentiateThroughAUsersEncoder(@TempDir Path dir) {
    // e = flatten(x) @ w, logit_k = W_k . e + b_k: d logit_k / d x_p = sum_d w[p, d] W[k, d], exactly.
    torch.manual_seed(2);
    Tensor w = randn(64, 16);
    TorchScriptEncoder enc = TorchScriptEncoder.load(encoder(dir, w), 1, 8);
    float[] wf = new float[64 * 16];
    w.contiguous().data_ptr_float().get(wf);
    java.util.Random r = new java.util.Random(3);
    float[] hw = new float[3 * 16], hb = new float[3], x = new float[64];
    for (int i = 0; i < hw.length; i++) hw[i] = (float) r.nextGaussian();
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    LinearHead head = new LinearHead("h", hw, hb, List.of("a", "b", "c"));
    dev.tve.explain.Images img = dev.tve.explain.Images.of(x, 1, 1, 8);
    float[] sal = dev.tve.explain.classic.Saliency.builder(enc, 8).build().attributePixels(img, head, new int[] {2}, null)[0];
    float[] ig = dev.tve.explain.classic.IntegratedGradients.builder(enc, 8).optSteps(4).build().attributePixels(img, head, new int[] {2}, null)[0];
    for (int p = 0; p < 64; p++) {
      double g = 0;
      for (int d = 0; d < 16; d++) g += wf[p * 16 + d] * hw[2 * 16 + d];
      assertThat((double) sal[p]).isCloseTo(Math.abs(g), within(1e-3 * (1 + Math.abs(g))));
      // A linear model: IG from zeros is x times the gradient, whatever the number of steps.
      assertThat((double) ig[p]).isCloseTo(x[p] * g, within(1e-3 * (1 + Math.abs(x[p] * g))));
    }
    assertThatThrownBy(() -> dev.tve.explain.classic.GradCam.builder(enc, 8).build().attribute(img, head, new int[] {2}, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grad-cam").hasMessageContaining("encoder.pt");
  }
}
