package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.explain.ExplainerCard;
import dev.tve.model.ModelCard;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tve pretrain on a user's TorchScript encoder and a folder of unlabelled RGB images. */
class PretrainCommandTest {
  @Test
  void pretrainsAgainstAUsersTorchScriptEncoderOnAFolder(@TempDir Path dir) throws Exception {
    ThreadPolicy.apply(1);
    torch.manual_seed(2);
    // forward(x [B, 3, 32, 32]) -> [B, 12]: 4x4 average pooling, flattened, times w [192, 12].
    JitModule m = new JitModule(new QualifiedName("Encoder"));
    m.register_parameter("w", torch.randn(192, 12), false);
    m.define(new BytePointer("def forward(self, x):\n    return torch.flatten(torch.avg_pool2d(x, [4, 4]), 1) @ self.w\n"));
    Path encoder = dir.resolve("encoder.pt");
    m.save(encoder.toString());
    Path images = dir.resolve("photos");
    Files.createDirectories(images.resolve("sub"));
    Random r = new Random(5);
    for (int i = 0; i < 14; i++) {
      byte[] px = new byte[40 * 48 * 3];
      r.nextBytes(px);
      try (Mat img = new Mat(40, 48, org.bytedeco.opencv.global.opencv_core.CV_8UC3, new BytePointer(px))) {
        opencv_imgcodecs.imwrite(images.resolve((i % 2 == 0 ? "" : "sub/") + "p" + i + ".png").toString(), img);
      }
    }
    Files.write(images.resolve("broken.jpg"), new byte[] {1, 2, 3});
    Path out = dir.resolve("explainer");
    String[] res = CliTest.capture("pretrain", "--encoder", encoder.toString(), "--images", images.toString(), "--size", "32", "--patch", "8",
        "--init", "random", "--trunk-dim", "16", "--trunk-layers", "1", "--steps", "6", "--batch", "4", "--centres", "2",
        "--validation-images", "3", "--out", out.toString());
    // The broken file is skipped with its name on stderr; the run finishes and says so in its exit code.
    assertThat(res[0]).as(res[2]).isEqualTo("1");
    assertThat(res[2]).contains("broken.jpg");
    ExplainerCard card = ExplainerCard.read(out.resolve("explainer.card.json"));
    assertThat(card.encoderWeightsSha256()).isEqualTo(ModelCard.sha256(encoder));
    assertThat(card.config().grid()).isEqualTo(4);
    assertThat(card.config().dim()).isEqualTo(12);
    assertThat(card.heldOut()).containsKey("validation.r2Keep");
    assertThat(out.resolve("loss.png")).exists();
    assertThat(out.resolve("explainer.pt")).exists();
  }
}
