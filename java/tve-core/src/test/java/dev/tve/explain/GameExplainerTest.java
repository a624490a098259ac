package dev.tve.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tve.model.InputSpec;
import dev.tve.model.LinearHead;
import dev.tve.model.MlpHead;
import dev.tve.model.ModelCard;
import dev.tve.model.TargetModel;
import dev.tve.model.VitEncoder;
import dev.tve.pretrain.ExplainerTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shapley and Banzhaf explainers: training on the patch game, the card's game, and maps that add up. */
class GameExplainerTest {
  static VitEncoder enc;
  static LinearHead ten;
  static MlpHead mlp;
  static TargetModel model;
  static final List<String> NAMES = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9");

  @BeforeAll
  static void setUp() throws Exception {
    ExplainerTest.data();
    enc = ExplainerTest.tinyEncoder();
    Random r = new Random(3);
    ten = new LinearHead("ten-class", TveExplainerTest.gauss(r, 10 * 32), TveExplainerTest.gauss(r, 10), NAMES);
    mlp = new MlpHead("coarse", 32, 8, TveExplainerTest.gauss(r, 8 * 32), TveExplainerTest.gauss(r, 8), TveExplainerTest.gauss(r, 3 * 8),
        TveExplainerTest.gauss(r, 3), List.of("a", "b", "c"));
    model = new TargetModel(enc, ModelCard.of(enc.architecture(), NAMES, InputSpec.of(56, 1, 0f, 1f, 7)), List.of(ten, mlp));
  }

  static ExplainerNetwork train(Objective o, Objective.Estimator e) throws Exception {
    ExplainerNetwork.Config cfg = ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED).withObjective(o);
    torch.manual_seed(3);
    ExplainerNetwork net = new ExplainerNetwork(cfg);
    float[] losses = ExplainerTrainer.builder().optSteps(4).optBatchSize(3).optSeed(5).optObjective(o, e, 8).build().train(net, enc, ExplainerTest.scenes)
        .losses();
    for (float v : losses) assertThat(Float.isFinite(v)).isTrue();
    assertThat(losses[3]).isNotEqualTo(losses[0]);
    return net;
  }

  static ExplainerCard card(ExplainerNetwork net, Objective o) {
    PatchGame game = new PatchGame(enc, 7, 64);
    ExplainerCard.Game g = new ExplainerCard.Game(o.label(), "regression", 7, "zero", 8, o == Objective.SHAPLEY, game.empty(), "test");
    return new ExplainerCard(ExplainerCard.FORMAT_VERSION, "explainer", net.config(), "sha", 0, 1, 1, "t", Map.of(), List.of(), "", null, null, null,
        "t", Map.of(), g);
  }

  @Test
  void aShapleyExplainersLinearMapsSumToTheLogitGapAndItsMlpMapsNearly(@TempDir Path dir) throws Exception {
    ExplainerNetwork net = train(Objective.SHAPLEY, Objective.Estimator.PERMUTATION);
    assertThat(net.named_parameters(true).contains("neg_out.weight")).as("a game network has no E- head").isFalse();
    ExplainerFiles.save(dir, net, card(net, Objective.SHAPLEY));
    assertThat(Files.readString(dir.resolve(ExplainerFiles.CARD))).contains("\"objective\" : \"shapley\"").contains("\"emptyEmbedding\"")
        .contains("\"formatVersion\" : 3");
    try (ExplainerFiles.Loaded loaded = ExplainerFiles.load(dir, "sha")) {
      TveExplainer tve = TveExplainer.builder(model, loaded.network(), loaded.card()).build();
      assertThat(tve.parameters()).containsEntry("objective", "shapley").containsEntry("efficiency", true);
      int n = 3, d = 32;
      float[] x = new float[n * ExplainerTest.scenes.imageFloats()];
      ExplainerTest.scenes.fill(20, n, x);
      Images images = Images.of(x, n, 1, 56);
      float[] emb = enc.embed(images.tensor());
      float[] empty = loaded.card().game().emptyEmbedding();
      int[] targets = {1, 4, 7};
      float[][] maps = tve.attribute(images, ten, targets, null);
      for (int i = 0; i < n; i++) {
        double gap = ten.logits(emb, i)[targets[i]] - ten.logits(empty, 0)[targets[i]], sum = 0;
        for (float v : maps[i]) sum += v;
        assertThat(sum).as("efficiency: sum of the map = f(x) - f(x_empty)").isCloseTo(gap, org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(gap))));
      }
      // Contrastive: (w_k - w_j) . Phi sums to the difference of the two gaps.
      float[][] contrast = tve.attribute(images, ten, targets, new int[] {0, 0, 0});
      double sum = 0;
      for (float v : contrast[0]) sum += v;
      double want = (ten.logits(emb, 0)[1] - ten.logits(emb, 0)[0]) - (ten.logits(empty, 0)[1] - ten.logits(empty, 0)[0]);
      assertThat(sum).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(want))));
      // An MLP head: Phi . (the head's gradient averaged from e(x_empty) to e(x)) sums to h(e(x)) - h(e(x_empty)) up to the quadrature.
      float[][] m = tve.attribute(images, mlp, new int[] {0, 1, 2}, null);
      for (int i = 0; i < n; i++) {
        int k = i;
        double g = mlp.logits(emb, i)[k] - mlp.logits(empty, 0)[k], s = 0;
        for (float v : m[i]) s += v;
        assertThat(s).isCloseTo(g, org.assertj.core.data.Offset.offset(0.02 * (1 + Math.abs(g))));
      }
      // One pass serves every head: explain() gives the same linear maps as attribute().
      List<Attribution> all = tve.explain(images, List.of(ten), TargetSpec.parse("1"));
      assertThat(all.get(0).raw()).containsExactly(maps[0]);
      assertThatThrownBy(() -> TveExplainer.builder(model, loaded.network(), loaded.card()).optLambdas(1, 0)).hasMessageContaining("stay 1");
      TargetModel other = new TargetModel(enc, ModelCard.of(enc.architecture(), NAMES, InputSpec.of(56, 1, 0f, 1f, 14)), List.of(ten));
      assertThatThrownBy(() -> TveExplainer.builder(other, loaded.network(), loaded.card())).hasMessageContaining("7x7 grid")
          .hasMessageContaining("14x14");
      assertThatThrownBy(() -> new Verifier(model, loaded.network(), loaded.card(), null, null, 4)).hasMessageContaining("shapley explainer has no such check");
    }
  }

  @Test
  void regressionAndBanzhafTrainAndTheirRefusalsNameTheReason() throws Exception {
    train(Objective.SHAPLEY, Objective.Estimator.REGRESSION);
    ExplainerNetwork banzhaf = train(Objective.BANZHAF, Objective.Estimator.REGRESSION);
    ExplainerCard c = card(banzhaf, Objective.BANZHAF);
    assertThat(c.game().efficiency()).isFalse();
    assertThatThrownBy(() -> ExplainerTrainer.builder().optObjective(Objective.BANZHAF, Objective.Estimator.PERMUTATION, 8).build())
        .hasMessageContaining("permutation estimator is Shapley's");
    assertThatThrownBy(() -> ExplainerTrainer.builder().optObjective(Objective.SHAPLEY, Objective.Estimator.PERMUTATION, 8)
        .optCoalitions(MaskedTargets.Coalitions.SHAPLEY).build()).hasMessageContaining("KernelSHAP's game");
    assertThatThrownBy(() -> dev.tve.pretrain.PretrainRecipe.builder().optObjective(Objective.SHAPLEY, Objective.Estimator.PERMUTATION, 8)
        .optRadius(1).build()).hasMessageContaining("--radius must be 0");
    assertThatThrownBy(() -> dev.tve.pretrain.PretrainRecipe.builder().optObjective(Objective.SHAPLEY, Objective.Estimator.PERMUTATION, 8).optRadius(0)
        .optFill(MaskedTargets.Fill.BLACK).build()).hasMessageContaining("--fill black is refused");
    // A window network is not trained on a game, nor the other way round.
    ExplainerNetwork window = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED));
    assertThatThrownBy(() -> ExplainerTrainer.builder().optObjective(Objective.SHAPLEY, Objective.Estimator.PERMUTATION, 8).build()
        .train(window, enc, ExplainerTest.scenes)).hasMessageContaining("objective window");
    // A card whose game does not fit its network is not a valid card.
    assertThatThrownBy(() -> new ExplainerCard.Game("shapley", "permutation", 7, "black", 8, true, new float[32], "t")).hasMessageContaining("zero");
    assertThatThrownBy(() -> new ExplainerCard.Game("banzhaf", "regression", 7, "zero", 8, true, new float[32], "t")).hasMessageContaining("efficiency");
  }

  @Test
  void aCardWhoseGameGridDiffersFromItsNetworkIsRefusedAtLoading(@TempDir Path dir) throws Exception {
    ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.matching(enc.architecture(), ExplainerNetwork.Shape.SHARED)
        .withObjective(Objective.SHAPLEY));
    ExplainerFiles.save(dir, net, card(net, Objective.SHAPLEY));
    Path cardFile = dir.resolve(ExplainerFiles.CARD);
    Files.writeString(cardFile, Files.readString(cardFile).replaceFirst("\"grid\" : 7", "\"grid\" : 4"));
    assertThatThrownBy(() -> ExplainerFiles.load(dir, "sha")).isInstanceOf(dev.tve.runtime.ModelFileException.class).hasMessageContaining("grid 4");
    Files.writeString(cardFile, Files.readString(cardFile).replaceFirst("\"formatVersion\" : 3", "\"formatVersion\" : 4"));
    assertThatThrownBy(() -> ExplainerFiles.load(dir, "sha")).hasMessageContaining("card format 4 is newer than this engine's 3");
  }
}
