package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.runtime.AllocatorPolicy;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderModuleTest {
  static SceneBatches scenes;

  @BeforeAll
  static void data() throws Exception {
    ThreadPolicy.apply(1);
    Path dir = Path.of(EncoderModuleTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
    scenes = new SceneBatches(SceneGenerator.builder(train, Splits.all(train.size())).optSeed(1).build(), 0.13f, 0.28f);
  }

  static List<EncoderModule> encoders() {
    torch.manual_seed(3);
    return List.of(new VitEncoder(1, 56, 8, 32, 1, 4), new CnnEncoder(1, 56, 8, 32));
  }

  static Tensor batch(long first, int n) {
    float[] x = new float[n * scenes.imageFloats()];
    scenes.fill(first, n, x, null);
    return torch.from_blob(new FloatPointer(x), new long[] {n, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)).clone();
  }

  /**
   * Tolerance: batched and single-image paths may pick different GEMM blockings, so float32 sums
   * over the ~10^3-term dot products of these layers differ in the last bits: 1e-4 absolute on
   * embeddings whose LayerNorm / ReLU outputs are of order 1.
   */
  @Test
  void anImagesEmbeddingIsTheSameInABatchOfOneAndOf64() {
    for (EncoderModule e : encoders()) {
      e.eval();
      float[] big = e.embed(batch(0, 64));
      for (int i : new int[] {0, 17, 63}) {
        float[] one = e.embed(batch(i, 1));
        for (int d = 0; d < e.dim(); d++) {
          assertThat(one[d]).as("%s image %d dim %d", e.architecture().name(), i, d).isCloseTo(big[i * e.dim() + d], within(1e-4f));
        }
      }
    }
  }

  @Test
  void weightsSurviveSaveAndLoad(@TempDir Path dir) {
    List<EncoderModule> a = encoders();
    torch.manual_seed(99);  // different initial weights for the copies
    List<EncoderModule> b = List.of(new VitEncoder(1, 56, 8, 32, 1, 4), new CnnEncoder(1, 56, 8, 32));
    Tensor x = batch(5, 8);
    for (int k = 0; k < 2; k++) {
      a.get(k).eval();
      b.get(k).eval();
      assertThat(b.get(k).embed(x)).isNotEqualTo(a.get(k).embed(x));
      Path file = dir.resolve("m" + k + ".pt");
      OutputArchive out = new OutputArchive();
      a.get(k).save(out);
      out.save_to(file.toString());
      InputArchive in = new InputArchive();
      in.load_from(file.toString());
      b.get(k).load(in);
      assertThat(b.get(k).embed(x)).containsExactly(a.get(k).embed(x));
    }
  }

  @Test
  void oneEncoderInEvalModeServesManyThreads() throws Exception {
    EncoderModule e = encoders().get(0);
    e.eval();
    List<Tensor> inputs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      inputs.add(batch(i * 4L, 4));
      expected.add(e.embed(inputs.get(i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          for (int rep = 0; rep < 5; rep++) {
            for (int i = 0; i < inputs.size(); i++) {
              if (!java.util.Arrays.equals(e.embed(inputs.get(i)), expected.get(i))) return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : fs) assertThat(f.get()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badGeometryIsRejectedBeforeAnyBatch() {
    assertThatThrownBy(() -> new VitEncoder(1, 56, 5, 32, 1, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of patch");
    assertThatThrownBy(() -> new VitEncoder(1, 56, 8, 30, 1, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heads");
  }
}
