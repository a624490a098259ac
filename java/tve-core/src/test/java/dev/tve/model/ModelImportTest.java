package dev.tve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.image.ImageSource;
import dev.tve.pretrain.PretrainRecipe;
import dev.tve.runtime.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' TorchScript classifiers, from the committed fixtures (made by
 * test-fixtures/torchscript/make_fixtures.py with PyTorch): import, every method, the explainer trunk
 * copied from the encoder, and every bad input refused with the file and the reason, leaving nothing.
 */
class ModelImportTest {
  static Path fixture(String name) {
    try {
      return Path.of(ModelImportTest.class.getResource("/torchscript/" + name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path importCnn(Path dir) throws Exception {
    return ModelImport.builder(fixture("cnn-encoder.pt"), 32, 8)
        .optHead("joints", fixture("head.pt").toString(), fixture("labels.txt"))
        .optHead("mlp", fixture("mlp-head.pt").toString(), null)
        .optHead("npy", fixture("w.npy") + "," + fixture("b.npy"), null)
        .optHead("named", fixture("mlp-head.pt") + ":0.weight,0.bias", null)
        .build().write(dir.resolve("model"));
  }

  static float[] images(int n, long seed) {
    float[] x = new float[n * 3 * 32 * 32];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    return x;
  }

  @Test
  void anImportedModelIsAFolderWithACardAndHashesThatEmbedsLikeTheModule(@TempDir Path dir) throws Exception {
    Path out = importCnn(dir);
    try (TargetModel m = TargetModel.load(out)) {
      assertThat(m.card().architecture().name()).isEqualTo(ModelCard.TORCHSCRIPT);
      assertThat(m.input().grid()).isEqualTo(4);
      assertThat(m.heads()).containsOnlyKeys("joints", "mlp", "npy", "named");
      assertThat(m.head("joints").classNames()).containsExactly("ankle", "knee", "elbow", "wrist", "shoulder");
      assertThat(m.head("mlp")).isInstanceOf(MlpHead.class);
      assertThat(m.head("named").classes()).isEqualTo(16);
      assertThat(m.card().files()).containsKeys("joints.head.json", "joints.w.npy", "mlp.w1.npy");
      assertThat(m.card().notes().get("exposes")).asList().contains("features", "from_features");
      // The imported encoder is the module: same embeddings as loading the file directly.
      try (TorchScriptEncoder direct = TorchScriptEncoder.load(fixture("cnn-encoder.pt"), 3, 32)) {
        float[] x = images(3, 1);
        Tensor t = torch.from_blob(new FloatPointer(x), new long[] {3, 3, 32, 32}, new TensorOptions(torch.ScalarType.Float));
        assertThat(m.encoder().embed(t)).containsExactly(direct.embed(t));
      }
    }
    // A changed head file is caught by the card's hash.
    Files.write(out.resolve("npy.b.npy"), Files.readAllBytes(out.resolve("npy.b.npy")), java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> TargetModel.load(out)).isInstanceOf(ModelFileException.class).hasMessageContaining("npy.b.npy")
        .hasMessageContaining("SHA-256");
  }

  @Test
  void everyMethodExplainsAnImportedModel(@TempDir Path dir) throws Exception {
    try (TargetModel m = TargetModel.load(importCnn(dir))) {
      MethodContext ctx = new MethodContext(m, null, null, MethodSettings.builder().optSamples(64).optMasks(64).build());
      Images img = Images.of(images(2, 2), 2, 3, 32);
      for (String name : Methods.KNOWN) {
        if (Methods.needsExplainer(name)) continue;
        float[][] maps = Methods.create(name, ctx).attribute(img, m.head("joints"), new int[] {0, 3}, null);
        assertThat(maps).as(name).hasDimensions(2, 16);
        for (float[] map : maps) for (float v : map) assertThat(Float.isFinite(v)).as(name).isTrue();
      }
    }
  }

  /** Gradient methods run backward through the CNN's convolutions without oneDNN (see ThreadPolicy.backwardScope): repeated, finite and identical. */
  @Test
  void gradientMethodsOnAnImportedCnnAreFiniteAndRepeatable(@TempDir Path dir) throws Exception {
    try (TargetModel m = TargetModel.load(importCnn(dir))) {
      MethodContext ctx = new MethodContext(m, null, null, MethodSettings.builder().build());
      Images img = Images.of(images(4, 8), 4, 3, 32);
      for (String name : List.of(Methods.INTEGRATED_GRADIENTS_BLUR, Methods.SALIENCY)) {
        float[][] first = null;
        for (int run = 0; run < REPEATS; run++) {
          float[][] maps = Methods.create(name, ctx).attribute(img, m.head("joints"), new int[] {0, 1, 2, 3}, null);
          for (float[] map : maps) for (float v : map) assertThat(Float.isFinite(v)).as("%s run %d", name, run).isTrue();
          if (first == null) first = maps;
          else assertThat(maps).as("%s run %d", name, run).isDeepEqualTo(first);
        }
      }
    }
  }

  static final int REPEATS = Integer.getInteger("tve.test.repeats", 20);

  @Test
  void gradCamNeedsFeaturesWithTheRestOfTheNetworkAndSaysWhatIsMissing(@TempDir Path dir) throws Exception {
    Path vit = ModelImport.builder(fixture("vit-encoder.pt"), 32, 8).optHead("h", fixture("head.pt").toString(), null).build().write(dir.resolve("vit"));
    try (TargetModel m = TargetModel.load(vit)) {
      assertThat(((TorchScriptEncoder) m.encoder()).hasTokens()).isTrue();
      MethodContext ctx = new MethodContext(m, null, null, MethodSettings.builder().build());
      assertThatThrownBy(() -> Methods.create(Methods.GRAD_CAM, ctx)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("grad-cam needs").hasMessageContaining("from_features").hasMessageContaining("exposes [forward, tokens]");
      assertThat(Methods.create(Methods.SALIENCY, ctx).attribute(Images.of(images(1, 3), 1, 3, 32), m.head("h"), new int[] {1}, null)[0]).hasSize(16);
    }
  }

  @Test
  void badInputIsRefusedNamingTheFileAndTheReasonAndLeavesNothing(@TempDir Path dir) throws Exception {
    record Case(String encoder, String head, String labels, String file, String reason) {}
    List<Case> cases = List.of(
        new Case("bad-shape.pt", "head.pt", null, "bad-shape.pt", "need [B, D]"),
        new Case("bad-dtype.pt", "head.pt", null, "bad-dtype.pt", "need float32"),
        new Case("bad-tokens.pt", "head.pt", null, "bad-tokens.pt", "tokens(x) returned [2, 5, 24]"),
        new Case("bad-from-features.pt", "head.pt", null, "bad-from-features.pt", "differs from forward(x)"),
        new Case("bad-channels.pt", "head.pt", null, "bad-channels.pt", "forward fails on input [2, 3, 32, 32]"),
        new Case("cnn-encoder.pt", "head-d10.pt", null, "head-d10.pt", "takes D=10 but the encoder cnn-encoder.pt gives D=24"),
        new Case("cnn-encoder.pt", "head.pt", "labels-4.txt", "labels-4.txt", "4 class names, but head 'h' has 5 classes"),
        new Case("cnn-encoder.pt", "w-nan.npy,b.npy", null, "w-nan.npy", "non-finite"),
        new Case("missing.pt", "head.pt", null, "missing.pt", "no such file"),
        new Case("labels.txt", "head.pt", null, "labels.txt", "not a TorchScript module"));
    for (Case c : cases) {
      String head = c.head().contains(",") ? fixture("w-nan.npy") + "," + fixture("b.npy") : fixture(c.head()).toString();
      Path enc = c.encoder().equals("missing.pt") ? dir.resolve("missing.pt") : fixture(c.encoder());
      Path out = dir.resolve("out-" + c.encoder() + "-" + c.file());
      ModelImport imp = ModelImport.builder(enc, 32, 8).optHead("h", head, c.labels() == null ? null : fixture(c.labels())).build();
      Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> imp.write(out));
      assertThat(thrown).as(c.toString()).isInstanceOf(ModelFileException.class).hasMessageContaining(c.file()).hasMessageContaining(c.reason());
      assertThat(out).as(c.toString()).doesNotExist();
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).as("no temporary folder is left").noneMatch(n -> n.contains(".import-"));
    }
    assertThatThrownBy(() -> ModelImport.builder(fixture("cnn-encoder.pt"), 30, 8).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--size 30 is not a multiple of --patch 8");
    Path existing = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(existing.resolve("x"), "x");
    assertThatThrownBy(() -> ModelImport.builder(fixture("cnn-encoder.pt"), 32, 8).optHead("h", fixture("head.pt").toString(), null).build()
        .write(existing)).isInstanceOf(ModelFileException.class).hasMessageContaining("exists");
  }

  /**
   * A TorchScript encoder of [B, 3, 32, 32] to D = 24 (flatten, times seeded weights), its forward
   * preceded by {@code guard}: TorchScript statements that may raise or poison the result.
   */
  static Path encoderWith(Path dir, String name, String guard, String scale) {
    torch.manual_seed(3);
    org.bytedeco.pytorch.JitModule m = new org.bytedeco.pytorch.JitModule(new org.bytedeco.pytorch.QualifiedName("Encoder"));
    m.register_parameter("w", torch.randn(3 * 32 * 32, 24).mul(new org.bytedeco.pytorch.Scalar(0.02)), false);
    m.define(new org.bytedeco.javacpp.BytePointer("def forward(self, x):\n" + guard + "    return (torch.flatten(x, 1) @ self.w) * " + scale + "\n"));
    Path file = dir.resolve(name);
    m.save(file.toString());
    return file;
  }

  @Test
  void importProbesTheEncoderAtSeveralBatchSizesAndRefusesNonFiniteEmbeddings(@TempDir Path dir) throws Exception {
    record Case(String name, String guard, String scale, String reason) {}
    for (Case c : List.of(
        new Case("nan.pt", "", "float('nan')", "NaN or infinity for input [2, 3, 32, 32]"),
        new Case("inf-at-32.pt", "", "(1.0 if x.size(0) < 32 else float('inf'))", "NaN or infinity for a batch of 32"),
        new Case("small-batches.pt", "    assert x.size(0) <= 2, \"at most 2 images\"\n", "1.0", "forward fails on a batch of 32"),
        new Case("batch-dependent.pt", "", "(1.0 + 0.1 * x.size(0))", "differently in a batch of 2"))) {
      Path enc = encoderWith(dir, c.name(), c.guard(), c.scale());
      Path out = dir.resolve("out-" + c.name());
      ModelImport imp = ModelImport.builder(enc, 32, 8).optHead("h", fixture("head.pt").toString(), null).build();
      assertThatThrownBy(() -> imp.write(out)).as(c.name()).isInstanceOf(ModelFileException.class).hasMessageContaining(c.name())
          .hasMessageContaining(c.reason());
      assertThat(out).doesNotExist();
    }
    Path fine = encoderWith(dir, "fine.pt", "", "1.0");
    assertThat(ModelImport.builder(fine, 32, 8).optHead("h", fixture("head.pt").toString(), null).build().write(dir.resolve("fine"))).isDirectory();
  }

  /** An image source of seeded noise, for pre-training without files. */
  static ImageSource noise() {
    return new ImageSource() {
      @Override public int channels() { return 3; }
      @Override public int size() { return 32; }
      @Override public long count() { return 64; }
      @Override public void fill(long first, int n, float[] x) {
        System.arraycopy(images(n, first * 31 + 7), 0, x, 0, n * 3 * 32 * 32);
      }
    };
  }

  @Test
  void aSavedAndLoadedExplainerWithATorchScriptTrunkPredictsWhatTheTrainedOneDid(@TempDir Path dir) throws Exception {
    try (TargetModel m = TargetModel.load(importCnn(dir))) {
      TorchScriptEncoder enc = (TorchScriptEncoder) m.encoder();
      torch.manual_seed(3);
      ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.copying(enc, ExplainerNetwork.Shape.SHARED, 8, 2), enc.trainableCopy());
      dev.tve.pretrain.ExplainerTrainer.builder().optSteps(20).optBatchSize(4).optCentres(2).optSeed(3).build().train(net, enc, noise());
      float[] x = images(2, 5), pos = new float[2 * 16 * 24], neg = new float[pos.length], pos2 = new float[pos.length], neg2 = new float[pos.length];
      net.eval();
      net.predict(torch.from_blob(new FloatPointer(x), new long[] {2, 3, 32, 32}, new TensorOptions(torch.ScalarType.Float)), pos, neg);
      ExplainerCard card = ExplainerCard.of("explainer", net.config(), m.card().weightsSha256(), 1, 1.0, 1.0, "test", java.util.Map.of(), List.of(), "",
          null, null, null, "test");
      ExplainerFiles.save(dir.resolve("explainer"), net, card);
      try (ExplainerFiles.Loaded loaded = ExplainerFiles.load(dir.resolve("explainer"), m.card().weightsSha256())) {
        loaded.network().predict(torch.from_blob(new FloatPointer(x), new long[] {2, 3, 32, 32}, new TensorOptions(torch.ScalarType.Float)), pos2, neg2);
      }
      assertThat(pos2).containsExactly(pos);
      assertThat(neg2).containsExactly(neg);
    }
  }

  @Test
  void theExplainerTrunkIsATrainableCopyOfTheEncoderThatTrainsSavesAndLoads(@TempDir Path dir) throws Exception {
    try (TargetModel m = TargetModel.load(importCnn(dir))) {
      TorchScriptEncoder enc = (TorchScriptEncoder) m.encoder();
      ExplainerNetwork.Config config = ExplainerNetwork.Config.copying(enc, ExplainerNetwork.Shape.SHARED, 8, 1);
      assertThat(config.trunk()).isEqualTo(ExplainerNetwork.Config.TORCHSCRIPT);
      assertThat(config.trunkMethod()).isEqualTo("features");
      assertThat(config.trunkDim()).isEqualTo(24);
      PretrainRecipe.Data data = new PretrainRecipe.Data(enc, m.card().weightsSha256(), config, null, enc, "encoder (copy)", noise(),
          java.util.Map.of("validation", noise()), 8, List.of(), "noise", new java.util.concurrent.atomic.AtomicLong(), m.input());
      List<String> notes = new java.util.ArrayList<>();
      ExplainerCard card = PretrainRecipe.builder().optSteps(6).optBatchSize(4).optCentres(2).build().run(data, dir.resolve("explainer"),
          new PretrainRecipe.Listener() {
            @Override public void progress(dev.tve.pretrain.ExplainerTrainer.Progress p) {}
            @Override public void note(String line) { notes.add(line); }
          });
      assertThat(card.formatVersion()).isEqualTo(ExplainerCard.FORMAT_VERSION);
      assertThat(card.trunkFiles()).containsOnlyKeys("trunk.pt");
      assertThat(card.training().heldOutCurve()).isNotEmpty();
      assertThat(card.training().heldOutCurve().get(card.training().heldOutCurve().size() - 1)[0]).isEqualTo(6.0);
      assertThat(notes).anyMatch(n -> n.startsWith("step 6: held-out R^2 keep"));
      // The trunk trained: its weights moved away from the encoder's.
      try (ExplainerFiles.Loaded loaded = ExplainerFiles.load(dir.resolve("explainer"), m.card().weightsSha256())) {
        Tensor trained = loaded.network().scriptedTrunks().get(0).named_parameters(true).begin().access().value();
        Tensor original = TorchScriptEncoder.loadModule(fixture("cnn-encoder.pt")).named_parameters(true).begin().access().value();
        assertThat(trained.sub(original).abs().max().item_double()).isGreaterThan(1e-6);
        float[] pos = new float[2 * 16 * 24], neg = new float[pos.length];
        loaded.network().predict(torch.from_blob(new FloatPointer(images(2, 5)), new long[] {2, 3, 32, 32},
            new TensorOptions(torch.ScalarType.Float)), pos, neg);
        for (float v : pos) assertThat(Float.isFinite(v)).isTrue();
        // TVE through the registry on the imported model.
        MethodContext ctx = new MethodContext(m, loaded, null, MethodSettings.builder().build());
        float[][] maps = Methods.create(Methods.TVE, ctx).attribute(Images.of(images(2, 6), 2, 3, 32), m.head("joints"), new int[] {0, 1}, null);
        assertThat(maps).hasDimensions(2, 16);
      }
      // A trunk file that changed is refused.
      Files.write(dir.resolve("explainer/trunk.pt"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
      assertThatThrownBy(() -> ExplainerFiles.load(dir.resolve("explainer"), m.card().weightsSha256())).isInstanceOf(ModelFileException.class)
          .hasMessageContaining("trunk.pt");
    }
  }

  /**
   * oneDNN's convolution backward returned a NaN weight gradient now and then (the fixture CNN's
   * first convolution; with 1 libtorch thread as with 2: 6 of 8 400-step pre-trainings diverged,
   * at random steps, the losses bit-identical until then; none of 16 with oneDNN off). Training
   * runs with oneDNN off: at 1 and at 2 threads, two seeded 300-step runs must be finite and
   * identical (without the fix this fails with probability about 0.9).
   */
  @Test
  void preTrainingOnAConvolutionalTrunkIsFiniteAndRepeatableAtOneAndTwoThreads(@TempDir Path dir) throws Exception {
    int threads = torch.get_num_threads();
    boolean before = torch.globalContext().userEnabledMkldnn();
    try (TargetModel m = TargetModel.load(importCnn(dir))) {
      TorchScriptEncoder enc = (TorchScriptEncoder) m.encoder();
      for (int t : new int[] {1, 2}) {
        torch.set_num_threads(t);
        float[] first = null;
        for (int run = 0; run < 2; run++) {
          torch.manual_seed(5);
          ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.copying(enc, ExplainerNetwork.Shape.SHARED, 8, 1), enc.trainableCopy());
          float[] losses = dev.tve.pretrain.ExplainerTrainer.builder().optSteps(300).optBatchSize(8).optCentres(2).optSeed(5).build()
              .train(net, enc, noise()).losses();
          for (int i = 0; i < losses.length; i++) assertThat(Float.isFinite(losses[i])).as("%d threads, run %d, step %d", t, run, i + 1).isTrue();
          if (first == null) first = losses;
          else assertThat(losses).as("%d threads, run %d", t, run).containsExactly(first);
        }
      }
    } finally {
      torch.set_num_threads(threads);
    }
    assertThat(torch.globalContext().userEnabledMkldnn()).as("restored").isEqualTo(before);
  }

  @Test
  void aBackwardScopeTurnsOneDnnOffAtAnyThreadCountAndRestoresItWhenTheLastScopeCloses() {
    int threads = torch.get_num_threads();
    boolean before = torch.globalContext().userEnabledMkldnn();
    try {
      for (int t : new int[] {1, 2}) {
        torch.set_num_threads(t);
        try (dev.tve.runtime.ThreadPolicy.BackwardScope outer = dev.tve.runtime.ThreadPolicy.backwardScope()) {
          assertThat(outer.oneDnnWasOn()).isEqualTo(before);
          assertThat(torch.globalContext().userEnabledMkldnn()).as("%d threads", t).isFalse();
          try (dev.tve.runtime.ThreadPolicy.BackwardScope inner = dev.tve.runtime.ThreadPolicy.backwardScope()) {
            assertThat(torch.globalContext().userEnabledMkldnn()).isFalse();
          }
          assertThat(torch.globalContext().userEnabledMkldnn()).as("still inside the outer scope").isFalse();
        }
        assertThat(torch.globalContext().userEnabledMkldnn()).isEqualTo(before);
      }
    } finally {
      torch.set_num_threads(threads);
    }
  }

  @Test
  void aRandomisedEncoderKeepsItsShapesAndChangesItsEmbeddings(@TempDir Path dir) throws Exception {
    try (TargetModel m = TargetModel.load(importCnn(dir)); TorchScriptEncoder r = ((TorchScriptEncoder) m.encoder()).randomised(3)) {
      Tensor x = torch.from_blob(new FloatPointer(images(2, 9)), new long[] {2, 3, 32, 32}, new TensorOptions(torch.ScalarType.Float));
      float[] a = m.encoder().embed(x), b = r.embed(x), again = ((TorchScriptEncoder) m.encoder()).randomised(3).embed(x);
      assertThat(b).hasSize(a.length).isNotEqualTo(a).containsExactly(again);
    }
  }

  @Test
  void aBuiltInModelExportsAsTorchScriptWithinTheToleranceAndImportsBack(@TempDir Path dir) throws Exception {
    for (String arch : List.of("vit", "cnn")) {
      torch.manual_seed(4);
      EncoderModule enc = arch.equals("vit") ? new VitEncoder(1, 16, 4, 32, 2, 4) : new CnnEncoder(1, 16, 8, 32);
      enc.eval();
      float[] w = new float[3 * 32];
      new SplittableRandom(5).doubles(w.length).forEach(new java.util.function.DoubleConsumer() {
        int i;
        @Override public void accept(double v) { w[i++] = (float) (v - 0.5); }
      });
      ModelCard card = ModelCard.of(enc.architecture(), List.of("a", "b", "c"), InputSpec.of(16, 1, 0.2f, 0.3f, 4));
      TargetModel built = new TargetModel(enc, card, List.of(new LinearHead("h", w, new float[3], List.of("a", "b", "c"))));
      double diff = TorchScriptExport.write(built, dir.resolve(arch));
      assertThat(diff).as(arch).isLessThanOrEqualTo(TorchScriptExport.TOLERANCE);
      assertThat(Files.readString(dir.resolve(arch + "/import.txt"))).contains("--size 16 --patch 4 --channels 1");
      Path imported = ModelImport.builder(dir.resolve(arch + "/encoder.pt"), 16, 4).optChannels(1).optMean(0.2f).optStd(0.3f)
          .optHead("h", dir.resolve(arch + "/h.w.npy") + "," + dir.resolve(arch + "/h.b.npy"), dir.resolve(arch + "/h.classes.txt"))
          .build().write(dir.resolve(arch + "-imported"));
      try (TargetModel back = TargetModel.load(imported)) {
        float[] x = new float[5 * 16 * 16];
        new java.util.Random(6).doubles(x.length).forEach(new java.util.function.DoubleConsumer() {
          int i;
          @Override public void accept(double v) { x[i++] = (float) v; }
        });
        Tensor t = torch.from_blob(new FloatPointer(x), new long[] {5, 1, 16, 16}, new TensorOptions(torch.ScalarType.Float));
        float[] a = enc.embed(t), b = back.encoder().embed(t);
        for (int i = 0; i < a.length; i++) assertThat(b[i]).as(arch).isCloseTo(a[i], within(1e-5f));
        TorchScriptEncoder ts = (TorchScriptEncoder) back.encoder();
        assertThat(arch.equals("vit") ? ts.hasTokens() : ts.hasFeatures()).as(arch).isTrue();
        assertThat(ts.camLayerMissing() == null).as(arch + " grad-cam").isEqualTo(arch.equals("cnn"));
      }
    }
  }
}
