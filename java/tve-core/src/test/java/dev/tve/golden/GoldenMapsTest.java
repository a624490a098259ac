package dev.tve.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tve.explain.Attribution;
import dev.tve.explain.Explainer;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.io.Npy;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The refactor (issue 17) against what it replaced: maps of every method on eight samples (six
 * scenes, two photos), written by the code before the refactor (golden/*.npy; see
 * GoldenMapsWriter in the history). TVE must be bit-identical; the classic methods identical for the
 * same explained output: the perturbation methods explained the probability then, so they are built
 * with {@link ExplainedOutput#PROBABILITY} here, and KernelSHAP's per-image keys are the image
 * indices its per-batch seeding used.
 *
 * <p>The maps belong to the zoo they were written with, the first one: its encoder, heads and
 * explainer are kept beside them (golden/first-zoo; the same files as the first zoo's commits, so
 * git stores them once), while the committed zoo moves on.
 *
 * <p>On the machine that wrote them the maps were bit-identical; on another CPU oneDNN and OpenBLAS
 * pick other kernels (an AMD EPYC here differed in the last digits: 5e-6 on values near 6), so maps
 * must agree to float32 summation-order error, 1e-4 of each golden array's largest magnitude.
 */
class GoldenMapsTest {
  static TargetModel model;
  static ExplainerFiles.Loaded explainer;
  static float[] x;
  static int[] targets;
  static final int N = 8, G = 7;

  static float[] golden(String name) throws Exception {
    return Npy.read(Path.of(GoldenMapsTest.class.getResource("/golden/" + name + ".npy").toURI())).toFloatArray();
  }

  @BeforeAll
  static void load() throws Exception {
    ThreadPolicy.apply(1);
    Path zoo = Path.of(GoldenMapsTest.class.getResource("/golden/first-zoo").toURI());
    model = TargetModel.load(zoo.resolve("scene-vit"));
    explainer = ExplainerFiles.load(zoo.resolve("explainer"), model.card().weightsSha256());
    x = golden("images");
    targets = Npy.read(Path.of(GoldenMapsTest.class.getResource("/golden/targets.npy").toURI())).ints();
  }

  @AfterAll
  static void close() {
    explainer.close();
    model.close();
  }

  /** Equal to the golden array up to float32 summation order (see the class comment). */
  static void assertSame(float[] actual, float[] golden, String what) {
    float scale = 0;
    for (float v : golden) scale = Math.max(scale, Math.abs(v));
    assertThat(actual).as(what).containsExactly(golden, within(Math.max(1e-4f * scale, 1e-7f)));
  }

  static float[] flat(float[][] maps) {
    float[] f = new float[maps.length * G * G];
    for (int i = 0; i < maps.length; i++) System.arraycopy(maps[i], 0, f, i * G * G, G * G);
    return f;
  }

  float[] maps(String method, ExplainedOutput output, MethodSettings.Builder settings) {
    Explainer e = Methods.create(method, new MethodContext(model, explainer, null, settings.optOutput(output).build()));
    long[] keys = new long[N];
    for (int i = 0; i < N; i++) keys[i] = i;
    return flat(e.attribute(Images.of(x, N, 1, 56, keys), model.head("ten-class"), targets, null));
  }

  @Test
  void theTargetsAreTheHeadsPredictions() {
    List<Attribution> a = Methods.create("tve", MethodContext.of(model).withExplainer(explainer))
        .explain(Images.of(x, N, 1, 56), List.of(model.head("ten-class")), TargetSpec.predicted());
    for (int i = 0; i < N; i++) assertThat(a.get(i).target()).isEqualTo(targets[i]);
  }

  @Test
  void tveIsIdentical() throws Exception {
    assertSame(maps("tve", ExplainedOutput.LOGIT, MethodSettings.builder()), golden("tve"), "tve");
    assertSame(maps("tve-display", ExplainedOutput.LOGIT, MethodSettings.builder()), golden("tve-display"), "tve-display");
  }

  @Test
  void tveEveryTargetOfTwoHeadsIsIdentical() throws Exception {
    TveExplainer tve = (TveExplainer) Methods.create("tve", MethodContext.of(model).withExplainer(explainer));
    List<Head> heads = List.of(model.head("ten-class"), model.head("coarse"));
    List<Attribution> all = tve.explain(Images.of(x, N, 1, 56), heads, TargetSpec.parse("all"));
    float[] raw = new float[all.size() * G * G], map = new float[raw.length];
    int[] cls = new int[all.size()];
    for (int i = 0; i < all.size(); i++) {
      System.arraycopy(all.get(i).raw(), 0, raw, i * G * G, G * G);
      System.arraycopy(all.get(i).map(), 0, map, i * G * G, G * G);
      cls[i] = all.get(i).target();
    }
    assertSame(raw, golden("tve-all-raw"), "tve-all-raw");
    assertSame(map, golden("tve-all-map"), "tve-all-map");
    assertThat(cls).containsExactly(Npy.read(Path.of(getClass().getResource("/golden/tve-all-classes.npy").toURI())).ints());
  }

  @Test
  void gradientMethodsExplainingTheLogitAreIdentical() throws Exception {
    for (String m : List.of("saliency", "integrated-gradients", "integrated-gradients-blur", "grad-cam")) {
      assertSame(maps(m, ExplainedOutput.LOGIT, MethodSettings.builder()), golden(m), m);
    }
  }

  @Test
  void perturbationMethodsExplainingTheProbabilityAreIdentical() throws Exception {
    assertSame(maps("occlusion", ExplainedOutput.PROBABILITY, MethodSettings.builder()), golden("occlusion"), "occlusion");
    assertSame(maps("rise", ExplainedOutput.PROBABILITY, MethodSettings.builder().optMasks(400)), golden("rise"), "rise");
    assertSame(maps("kernel-shap", ExplainedOutput.PROBABILITY, MethodSettings.builder().optSamples(300)), golden("kernel-shap"), "kernel-shap");
  }

  @Test
  void floorsAreIdentical() throws Exception {
    assertThat(maps("random", ExplainedOutput.LOGIT, MethodSettings.builder())).containsExactly(golden("random"));   // no kernel involved: exact
    assertThat(maps("intensity", ExplainedOutput.LOGIT, MethodSettings.builder())).containsExactly(golden("intensity"));
  }
}
