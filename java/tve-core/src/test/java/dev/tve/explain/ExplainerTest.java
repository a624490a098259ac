package dev.tve.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tve.image.FashionMnist;
import dev.tve.pretrain.ExplainerTrainer;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.model.VitEncoder;
import java.nio.file.Path;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainerTest {
  static SceneBatches scenes;

  @BeforeAll
  static void data() throws Exception {
    ThreadPolicy.apply(1);
    Path dir = Path.of(ExplainerTest.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
    scenes = new SceneBatches(SceneGenerator.builder(train, Splits.all(train.size())).optSeed(1).build(), 0.13f, 0.28f);
  }

  static Tensor batch(long first, int n) {
    float[] x = new float[n * scenes.imageFloats()];
    scenes.fill(first, n, x);
    return torch.from_blob(new FloatPointer(x), new long[] {n, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)).clone();
  }

  static VitEncoder tinyEncoder() {
    torch.manual_seed(11);
    VitEncoder e = new VitEncoder(1, 56, 8, 32, 1, 4);
    e.eval();
    return e;
  }

  @Test
  void masksKeepTheCentresWindowInImageOrientation() {
    // Centre at row 0, column 6 of 7 x 7 (top right): rows 0-1, columns 5-6 are kept (clipped).
    float[] g = Masks.grid(7, 6, 1);
    for (int r = 0; r < 7; r++) {
      for (int c = 0; c < 7; c++) assertThat(g[r * 7 + c]).as("row %d col %d", r, c).isEqualTo(r <= 1 && c >= 5 ? 1f : 0f);
    }
    float[] px = Masks.pixels(7, 56, 6, 1);
    assertThat(px[0 * 56 + 55]).isEqualTo(1f);           // top-right pixel
    assertThat(px[15 * 56 + 40]).isEqualTo(1f);          // row 1 of patches, column 5
    assertThat(px[16 * 56 + 55]).isEqualTo(0f);          // row 2 of patches
    assertThat(px[0 * 56 + 39]).isEqualTo(0f);           // column 4 of patches
    assertThat(Masks.coverage(7, 1)).isCloseTo(9.0 / 49, within(1e-12));
    assertThatThrownBy(() -> Masks.grid(7, 49, 1)).hasMessageContaining("centre 49");
  }

  @Test
  void maskedTargetsAreTheEncodersEmbeddingsOfTheMaskedImages() {
    VitEncoder enc = tinyEncoder();
    int n = 3, m = 2;
    float[] x = new float[n * scenes.imageFloats()];
    scenes.fill(10, n, x);
    int[] centres = {0, 24, 48, 6, 30, 17};
    float[][] t = new MaskedTargets(enc, 7, 1, 4).compute(x, n, centres, m);   // chunk 4: several encoder calls
    for (int row = 0; row < n * m; row++) {
      float[] mask = Masks.pixels(7, 56, centres[row], 1), keep = new float[3136], remove = new float[3136];
      for (int q = 0; q < 3136; q++) {
        keep[q] = x[(row / m) * 3136 + q] * mask[q];
        remove[q] = x[(row / m) * 3136 + q] * (1 - mask[q]);
      }
      float[] ek = enc.embed(torch.from_blob(new FloatPointer(keep), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      float[] er = enc.embed(torch.from_blob(new FloatPointer(remove), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      for (int d = 0; d < 32; d++) {
        assertThat(t[0][row * 32 + d]).as("keep row %d dim %d", row, d).isCloseTo(ek[d], within(1e-4f));
        assertThat(t[1][row * 32 + d]).as("remove row %d dim %d", row, d).isCloseTo(er[d], within(1e-4f));
      }
    }
  }

  @Test
  void blackAndMixedFillsPutPixelZeroWhereTheMaskRemoves() {
    VitEncoder enc = tinyEncoder();
    int n = 2, m = 2;
    float[] x = new float[n * scenes.imageFloats()];
    scenes.fill(3, n, x);
    int[] centres = {10, 40, 3, 24};
    float mean = 0.2f, std = 0.3f, black = -mean / std;
    float[][] fills = MaskedTargets.Fill.MIXED.values(new float[] {mean}, new float[] {std});
    assertThat(fills).hasDimensions(2, 1);
    assertThat(fills[1][0]).isEqualTo(black);
    assertThat(MaskedTargets.Fill.BLACK.values(new float[] {mean}, new float[] {std})).isDeepEqualTo(new float[][] {{black}});
    float[][] t = new MaskedTargets(enc, 7, 1, 4, fills).compute(x, n, centres, m);
    for (int row = 0; row < n * m; row++) {
      float f = row % 2 == 0 ? 0f : black;     // mixed: rows alternate zero and black
      float[] mask = Masks.pixels(7, 56, centres[row], 1), keep = new float[3136], remove = new float[3136];
      for (int q = 0; q < 3136; q++) {
        float v = x[(row / m) * 3136 + q];
        keep[q] = mask[q] == 1 ? v : f;
        remove[q] = mask[q] == 1 ? f : v;
      }
      float[] ek = enc.embed(torch.from_blob(new FloatPointer(keep), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      float[] er = enc.embed(torch.from_blob(new FloatPointer(remove), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      for (int d = 0; d < 32; d++) {
        assertThat(t[0][row * 32 + d]).as("keep row %d dim %d", row, d).isCloseTo(ek[d], within(1e-4f));
        assertThat(t[1][row * 32 + d]).as("remove row %d dim %d", row, d).isCloseTo(er[d], within(1e-4f));
      }
    }
    assertThat(MaskedTargets.Fill.parse(null)).isEqualTo(MaskedTargets.Fill.ZERO);
    assertThatThrownBy(() -> MaskedTargets.Fill.parse("grey")).hasMessageContaining("zero, black or mixed");
  }

  @Test
  void coalitionTargetsKeepTheCoalitionInBothCopiesAndTheWindowInTheKeepCopy() {
    VitEncoder enc = tinyEncoder();
    int n = 2, m = 2;
    float[] x = new float[n * scenes.imageFloats()];
    scenes.fill(5, n, x);
    int[] centres = {0, 24, 48, 11};
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    boolean[][] kept = new boolean[n * m][];
    for (int i = 0; i < kept.length; i++) kept[i] = MaskedTargets.Coalitions.SHAPLEY.draw(7, centres[i], 1, r);
    float black = -0.2f / 0.3f;
    float[][] t = new MaskedTargets(enc, 7, 1, 4, new float[][] {{black}}).compute(x, n, centres, m, kept);
    for (int row = 0; row < n * m; row++) {
      float[] window = Masks.pixels(7, 56, centres[row], 1), keep = new float[3136], remove = new float[3136];
      for (int q = 0; q < 3136; q++) {
        float v = x[(row / m) * 3136 + q];
        boolean inS = kept[row][(q / 56 / 8) * 7 + (q % 56) / 8];
        keep[q] = window[q] == 1 || inS ? v : black;
        remove[q] = inS ? v : black;
      }
      float[] ek = enc.embed(torch.from_blob(new FloatPointer(keep), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      float[] er = enc.embed(torch.from_blob(new FloatPointer(remove), new long[] {1, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)));
      for (int d = 0; d < 32; d++) {
        assertThat(t[0][row * 32 + d]).as("keep row %d dim %d", row, d).isCloseTo(ek[d], within(1e-4f));
        assertThat(t[1][row * 32 + d]).as("remove row %d dim %d", row, d).isCloseTo(er[d], within(1e-4f));
      }
    }
    assertThat(MaskedTargets.Coalitions.NONE.draw(7, 3, 1, r)).isNull();
    assertThat(MaskedTargets.Coalitions.parse(null)).isEqualTo(MaskedTargets.Coalitions.NONE);
    assertThatThrownBy(() -> MaskedTargets.Coalitions.parse("all")).hasMessageContaining("none, shapley or banzhaf");
  }

  @Test
  void shapleyCoalitionsHaveEverySizeEquallyOftenAndBanzhafHalfThePatchesNeverTheWindow() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    int centre = 24, q = 49 - 9, draws = 41_000;
    float[] window = Masks.grid(7, centre, 1);
    int[] bySize = new int[q + 1];
    long banzhaf = 0;
    for (int i = 0; i < draws; i++) {
      boolean[] s = MaskedTargets.Coalitions.SHAPLEY.draw(7, centre, 1, r), b = MaskedTargets.Coalitions.BANZHAF.draw(7, centre, 1, r);
      int k = 0;
      for (int p = 0; p < 49; p++) {
        if (window[p] == 1) assertThat(s[p] || b[p]).as("window patch %d in a coalition", p).isFalse();
        if (s[p]) k++;
        if (b[p]) banzhaf++;
      }
      bySize[k]++;
    }
    // 1,000 expected per size: a binomial's 5 sigma is about 156.
    for (int k = 0; k <= q; k++) assertThat(bySize[k]).as("coalitions of size %d", k).isBetween(844, 1156);
    assertThat(banzhaf / (double) draws).isCloseTo(q / 2.0, within(0.1));
  }

  @Test
  void sharedAndSeparateShapesPredictPerPatchEmbeddings() {
    VitEncoder enc = tinyEncoder();
    ExplainerNetwork shared = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED));
    ExplainerNetwork separate = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SEPARATE));
    long ps = count(shared), pe = count(separate), trunk = count(enc);
    assertThat(pe - ps).as("the separate shape has one more trunk").isEqualTo(trunk);
    Tensor[] e = shared.forward(batch(0, 2));
    assertThat(e[0].sizes().vec().get()).containsExactly(2, 49, 32);
    assertThat(e[1].sizes().vec().get()).containsExactly(2, 49, 32);
  }

  @Test
  void theTrunkCanStartAtTheEncodersWeights() {
    VitEncoder enc = tinyEncoder();
    ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SEPARATE));
    net.initTrunkFrom(enc);
    net.eval();
    Tensor x = batch(4, 2);
    float[] a = enc.embed(x);
    assertThat(net.trunks()).hasSize(2);
    for (VitEncoder trunk : net.trunks()) assertThat(trunk.embed(x)).containsExactly(a);
    VitEncoder wider = new VitEncoder(1, 56, 8, 64, 1, 4);
    assertThatThrownBy(() -> new ExplainerNetwork(ExplainerNetwork.Config.matching(wider.architecture(), ExplainerNetwork.Shape.SHARED))
        .initTrunkFrom(enc)).hasMessageContaining("trunk");
  }

  @Test
  void theWithinImageRSquaredIgnoresEachImagesOwnOffsetAndThePooledOneDoesNot() {
    // 3 images x 4 centres, d = 2: predictions = truth + an offset per image (right within images, wrong between them).
    int d = 2, m = 4;
    float[] truth = new float[3 * m * d], pred = new float[truth.length];
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    for (int i = 0; i < truth.length; i++) {
      truth[i] = (float) r.nextDouble(-1, 1);
      pred[i] = truth[i] + (i / (m * d)) * 0.7f;
    }
    assertThat(Verification.r2(Verification.centred(pred, d, m), Verification.centred(truth, d, m), d)).isCloseTo(1.0, within(1e-6));
    assertThat(Verification.r2(pred, truth, d)).isLessThan(0.9);
    // Right between images, no information within them: pooled R^2 high, within-image R^2 at most 0.
    float[] flat = new float[truth.length];
    for (int i = 0; i < truth.length; i++) flat[i] = truth[i] * 0.05f + 10f * (i / (m * d)) * (i % d == 0 ? 1 : -1);
    float[] guess = new float[truth.length];
    for (int i = 0; i < truth.length; i++) guess[i] = 10f * (i / (m * d)) * (i % d == 0 ? 1 : -1);
    assertThat(Verification.r2(guess, flat, d)).isGreaterThan(0.99);
    assertThat(Verification.r2(Verification.centred(guess, d, m), Verification.centred(flat, d, m), d)).isLessThanOrEqualTo(0.0);
  }

  /** A CNN whose last block's channels {@code dead} never fire: those embedding dimensions are always 0. */
  static dev.tve.model.CnnEncoder cnnWithDeadChannels(int... dead) {
    torch.manual_seed(12);
    dev.tve.model.CnnEncoder cnn = new dev.tve.model.CnnEncoder(1, 56, 8, 16);
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      var ps = cnn.named_parameters(true);
      for (int k : dead) {
        ps.get("conv2_w").select(0, k).zero_();
        ps.get("conv2_b").select(0, k).fill_(new org.bytedeco.pytorch.Scalar(-1f));
      }
    }
    cnn.eval();
    return cnn;
  }

  @Test
  void deadEmbeddingChannelsAreFoundAndTheExplainerOutputsThemAsConstantsThroughTrainingSavingAndLoading(@TempDir Path dir) throws Exception {
    dev.tve.model.CnnEncoder cnn = cnnWithDeadChannels(3, 11);
    MaskedTargets targets = new MaskedTargets(cnn, 7, 1, 256);
    assertThat(targets.constantDimensions(scenes, 64, 2, 1)).containsExactly(java.util.Map.entry(3, 0f), java.util.Map.entry(11, 0f));
    assertThat(new MaskedTargets(tinyEncoder(), 7, 1, 256).constantDimensions(scenes, 64, 2, 1)).isEmpty();

    ExplainerNetwork.Config cfg = new ExplainerNetwork.Config(ExplainerNetwork.Shape.SHARED, 1, 56, 8, 32, 1, 4, 1, 16)
        .withConstantOutputs(java.util.Map.of(3, 0f, 11, 0.25f));
    torch.manual_seed(3);
    ExplainerNetwork net = new ExplainerNetwork(cfg);
    float[] losses = ExplainerTrainer.builder().optSteps(6).optBatchSize(4).optCentres(2).optSeed(5).build().train(net, cnn, scenes).losses();
    for (float v : losses) assertThat(Float.isFinite(v)).isTrue();
    float[] pos = new float[2 * 49 * 16], neg = new float[pos.length], pos2 = new float[pos.length], neg2 = new float[pos.length];
    net.eval();
    net.predict(batch(0, 2), pos, neg);
    for (int r = 0; r < 2 * 49; r++) {
      assertThat(pos[r * 16 + 3]).isEqualTo(0f);
      assertThat(neg[r * 16 + 11]).isEqualTo(0.25f);
    }
    assertThat(pos[5]).isNotEqualTo(0f);
    ExplainerCard card = ExplainerCard.of("explainer", cfg, "sha", 1, 1, 1, "test", java.util.Map.of(), java.util.List.of(), "", null, null, null, "test");
    ExplainerFiles.save(dir, net, card);
    assertThat(java.nio.file.Files.readString(dir.resolve(ExplainerFiles.CARD))).contains("\"constantOutputs\"");
    try (ExplainerFiles.Loaded loaded = ExplainerFiles.load(dir, "sha")) {
      assertThat(loaded.card().config().constantOutputs()).containsExactly(java.util.Map.entry(3, 0f), java.util.Map.entry(11, 0.25f));
      loaded.network().predict(batch(0, 2), pos2, neg2);
    }
    assertThat(pos2).containsExactly(pos);
    assertThat(neg2).containsExactly(neg);
    assertThatThrownBy(() -> cfg.withConstantOutputs(java.util.Map.of(16, 0f))).hasMessageContaining("constant output 16");
  }

  @Test
  void standardisedOutputsAreTheTargetsMeanPlusSpreadTimesTheHeadAndSurviveSavingAndLoading(@TempDir Path dir) throws Exception {
    VitEncoder enc = tinyEncoder();
    MaskedTargets targets = new MaskedTargets(enc, 7, 1, 256);
    MaskedTargets.Statistics st = targets.statistics(scenes, 64, 2, 1);
    // The spread is per dimension: the encoder's dimensions differ in width, which is the point.
    float lo = Float.MAX_VALUE, hi = 0;
    for (float v : st.sd()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assertThat(lo).isGreaterThan(0f);
    assertThat(hi / lo).isGreaterThan(1.5f);
    assertThat(st.meanKeep()).hasSize(enc.dim());
    assertThat(st.scale()).hasSize(enc.dim());

    ExplainerNetwork.Config cfg = ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED).withStandardised(true);
    torch.manual_seed(3);
    ExplainerNetwork net = new ExplainerNetwork(cfg);
    // Untrained, with the head's output zeroed, E+ and E- are the two means exactly.
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      var ps = net.named_parameters(true);
      ps.get("pos_out.weight").zero_();
      ps.get("pos_out.bias").zero_();
    }
    net.setOutputStatistics(st.meanKeep(), st.meanRemove(), st.scale());
    int d = enc.dim();
    float[] pos = new float[2 * 49 * d], neg = new float[pos.length];
    net.eval();
    net.predict(batch(0, 2), pos, neg);
    for (int row = 0; row < 2 * 49; row++) for (int k = 0; k < d; k++) assertThat(pos[row * d + k]).isEqualTo(st.meanKeep()[k]);
    net.train(true);
    float[] losses = ExplainerTrainer.builder().optSteps(6).optBatchSize(4).optCentres(2).optSeed(5).build().train(net, enc, scenes).losses();
    for (float v : losses) assertThat(Float.isFinite(v)).isTrue();
    net.eval();
    net.predict(batch(0, 2), pos, neg);
    ExplainerCard card = ExplainerCard.of("explainer", cfg, "sha", 1, 1, 1, "test", java.util.Map.of(), java.util.List.of(), "", null, null, null, "test");
    ExplainerFiles.save(dir, net, card);
    assertThat(java.nio.file.Files.readString(dir.resolve(ExplainerFiles.CARD))).contains("\"standardised\" : true");
    float[] pos2 = new float[pos.length], neg2 = new float[pos.length];
    try (ExplainerFiles.Loaded loaded = ExplainerFiles.load(dir, "sha")) {
      assertThat(loaded.card().config().standardised()).isTrue();
      loaded.network().predict(batch(0, 2), pos2, neg2);
    }
    assertThat(pos2).containsExactly(pos);
    assertThat(neg2).containsExactly(neg);
    assertThatThrownBy(() -> net.setOutputStatistics(st.meanKeep(), st.meanRemove(), new float[d])).hasMessageContaining("output scale 0");
    assertThatThrownBy(() -> new ExplainerNetwork(cfg.withStandardised(false)).setOutputStatistics(st.meanKeep(), st.meanRemove(), st.scale()))
        .hasMessageContaining("not standardised");
  }

  static long count(org.bytedeco.pytorch.Module m) {
    long n = 0;
    var ps = m.parameters();
    for (long i = 0; i < ps.size(); i++) n += ps.get(i).numel();
    return n;
  }

  @Test
  void preTrainingLowersTheLossAndAResumedRunTakesTheSamePath(@TempDir Path dir) throws Exception {
    VitEncoder enc = tinyEncoder();
    ExplainerNetwork.Config cfg = ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED);
    torch.manual_seed(3);
    ExplainerNetwork straight = new ExplainerNetwork(cfg);
    ExplainerTrainer.Builder b = ExplainerTrainer.builder().optSteps(24).optBatchSize(8).optCentres(2).optRadius(1)
        .optLearningRate(3e-3).optSeed(5).optCheckpointEvery(12).optHeldOut(6, (net, step) -> new double[] {step * 0.5});
    ExplainerTrainer.Result whole = b.build().train(straight, enc, scenes);
    float[] all = whole.losses();
    assertThat(whole.timedFromStep()).isZero();
    double early = (all[0] + all[1] + all[2] + all[3]) / 4, late = (all[20] + all[21] + all[22] + all[23]) / 4;
    assertThat(late).as("loss early %.4f late %.4f", early, late).isLessThan(early * 0.8);

    // Cut off after 12 steps (a 12-step run's checkpoint is not the same schedule): run 24 steps in
    // a folder, stop by throwing from the progress callback at step 12, then resume.
    torch.manual_seed(3);
    ExplainerNetwork first = new ExplainerNetwork(cfg);
    assertThatThrownBy(() -> b.optCheckpointDir(dir).optProgress(p -> {
      if (p.step() == 13) throw new IllegalStateException("cut");
    }).build().train(first, enc, scenes)).hasMessageContaining("cut");
    torch.manual_seed(99);
    ExplainerNetwork again = new ExplainerNetwork(cfg);
    ExplainerTrainer.Result resumed = b.optCheckpointDir(dir).optProgress(null).build().train(again, enc, scenes);
    assertThat(resumed.resumedFromStep()).isEqualTo(12);
    assertThat(resumed.losses()).containsExactly(all);
    // The checkpoint carries the first run's time and held-out rows: the card of a resumed run covers every step.
    assertThat(resumed.timedFromStep()).isZero();
    assertThat(resumed.heldOut()).extracting(r -> r[0]).containsExactly(6.0, 12.0, 18.0, 24.0);
    assertThat(resumed.heldOut()).extracting(r -> r[1]).containsExactly(3.0, 6.0, 9.0, 12.0);
    assertThat(resumed.seconds()).isPositive();
    // A run with other settings does not continue that checkpoint.
    assertThatThrownBy(() -> b.optRadius(0).optCheckpointDir(dir).build().train(new ExplainerNetwork(cfg), enc, scenes))
        .hasMessageContaining("made with other settings").hasMessageContaining("radius 1").hasMessageContaining("radius 0");
  }

  @Test
  void aCardTimedOverPartOfAResumedRunScalesItsSecondsAndSaysSo(@TempDir Path dir) throws Exception {
    ExplainerNetwork.Config cfg = ExplainerNetwork.Config.matching(tinyEncoder().architecture(), ExplainerNetwork.Shape.SHARED);
    // A card from before timedFromStep: a run resumed at step 1900 of 4000 timed its own 2100 steps (1050 s).
    ExplainerCard.Training old = new ExplainerCard.Training(4000, 32, 4, 1e-3, 1, "encoder", 1, 1, 1050, 0.2, 0.2, 1900, 0, null, "mixed", null, null);
    ExplainerCard c = ExplainerCard.of("explainer", cfg, "sha", 1, 1, 1, "t", java.util.Map.of(), java.util.List.of(), "", old, null, null, "t");
    Path file = dir.resolve("explainer.card.json");
    c.write(file);
    String text = java.nio.file.Files.readString(file);
    assertThat(text).contains("\"timedFromStep\"");
    java.nio.file.Files.writeString(file, text.replaceAll(",\\s*\"timedFromStep\"\\s*:\\s*null", ""));
    assertThat(java.nio.file.Files.readString(file)).doesNotContain("timedFromStep");
    ExplainerCard read = ExplainerCard.read(file);
    assertThat(read.trainingSecondsEstimated()).isTrue();
    assertThat(read.trainingSeconds()).isEqualTo(2000.0);
    assertThat(read.trainingSecondsNote()).startsWith("scaled from steps 1901-4000 (1050 s)");
    // Timed over every step (a run that was never cut, or whose checkpoint carried its time).
    ExplainerCard.Training all = new ExplainerCard.Training(4000, 32, 4, 1e-3, 1, "encoder", 1, 1, 2000, 0.2, 0.2, 1900, 0, null, "mixed", 0L, null);
    ExplainerCard d = ExplainerCard.of("explainer", cfg, "sha", 1, 1, 1, "t", java.util.Map.of(), java.util.List.of(), "", all, null, null, "t");
    assertThat(d.trainingSecondsEstimated()).isFalse();
    assertThat(d.trainingSeconds()).isEqualTo(2000.0);
    assertThat(d.trainingSecondsNote()).isNull();
  }
}
