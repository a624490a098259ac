package dev.tve.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Hand-set cases whose maps are known exactly (Captum style: tiny inputs, known answers). */
class JavaReferenceKernelTest {
  private final ProjectionKernel kernel = new JavaReferenceKernel();

  /** E+ [1, g*g, 2] with value v at patch (y, x) in dimension 0, zero elsewhere. */
  private static float[] spike(int g, int y, int x, float v) {
    float[] e = new float[g * g * 2];
    e[(y * g + x) * 2] = v;
    return e;
  }

  @Test
  void mapIsOrientedLikeTheImage() {
    // Row 0, column 2 of a 3x3 grid: an asymmetric spot; the reference code would put it at (2, 0).
    float[] ePos = spike(3, 0, 2, 5f);
    HeadWeights head = HeadWeights.of(new float[] {1f, 0f}, null, 1, 2);
    ProjectionOptions opts = ProjectionOptions.builder(3).optNormalization(Normalization.MINMAX).build();
    ProjectionResult r = kernel.project(ProjectionRequest.builder(FloatView.of(ePos), null, 1, head,
        Targets.same(1, 0), opts).build());
    assertThat(r.raw(0, 0, 0, 2)).isEqualTo(5f);
    assertThat(r.raw(0, 0, 2, 0)).isEqualTo(0f);
    assertThat(r.map(0, 0, 0, 2)).isEqualTo(1f);
    assertThat(r.map(0, 0, 2, 0)).isEqualTo(0f);
  }

  @Test
  void combinesBothSidesWithLambdasAndBias() {
    // D = 2, one patch (g = 1). w = (2, -1), b = 0.5, lambda+ = 2, lambda- = 0.5.
    float[] ePos = {3f, 1f};   // w.e+ = 5
    float[] eNeg = {1f, 4f};   // w.e- = -2
    HeadWeights head = HeadWeights.of(new float[] {2f, -1f}, new float[] {0.5f}, 1, 2);
    ProjectionOptions opts = ProjectionOptions.builder(1).optLambdaPos(2f).optLambdaNeg(0.5f)
        .optNormalization(Normalization.NONE).build();
    ProjectionResult r = kernel.project(ProjectionRequest.builder(FloatView.of(ePos), FloatView.of(eNeg), 1, head,
        Targets.same(1, 0), opts).build());
    // 2 * (5 + 0.5) - 0.5 * (-2 + 0.5) = 11 + 0.75
    assertThat(r.raw()[0]).isEqualTo(11.75f);
    assertThat(r.map()[0]).isEqualTo(11.75f);
  }

  @Test
  void contrastiveTargetProjectsOntoTheDifferenceOfRows() {
    float[] ePos = {1f, 2f, 3f};
    float[] w = {1f, 1f, 1f, /* class 1 */ 0f, 1f, 2f};
    float[] b = {1f, 3f};
    HeadWeights head = HeadWeights.of(w, b, 2, 3);
    ProjectionOptions opts = ProjectionOptions.builder(1).optLambdaNeg(0f).optNormalization(Normalization.NONE).build();
    ProjectionResult r = kernel.project(ProjectionRequest.builder(FloatView.of(ePos), null, 1, head,
        Targets.contrastive(1, new int[] {0}, new int[] {1}), opts).build());
    // (w0 - w1).e + (b0 - b1) = (1*1 + 0*2 + -1*3) + (1 - 3) = -2 - 2
    assertThat(r.raw()[0]).isEqualTo(-4f);
  }

  @Test
  void clsRowIsSkippedFirstOrLast() {
    int g = 2;
    for (ClsRow cls : new ClsRow[] {ClsRow.FIRST, ClsRow.LAST}) {
      float[] e = new float[5];  // D = 1, rows = 5
      for (int p = 0; p < 4; p++) e[(cls == ClsRow.FIRST ? 1 : 0) + p] = p + 1;
      e[cls == ClsRow.FIRST ? 0 : 4] = 1000f;  // the [CLS] row must not appear
      HeadWeights head = HeadWeights.of(new float[] {1f}, null, 1, 1);
      ProjectionOptions opts = ProjectionOptions.builder(g).optClsRow(cls).optLambdaNeg(0f)
          .optNormalization(Normalization.NONE).build();
      ProjectionResult r = kernel.project(ProjectionRequest.builder(FloatView.of(e), null, 1, head,
          Targets.same(1, 0), opts).build());
      assertThat(r.raw()).as("cls %s", cls).containsExactly(1f, 2f, 3f, 4f);
    }
  }

  @Test
  void constantMapNormalisesToZerosNotNaN() {
    float[] e = new float[9 * 2];
    for (int p = 0; p < 9; p++) e[p * 2] = 2.5f;
    HeadWeights head = HeadWeights.of(new float[] {1f, 1f}, new float[] {0.1f}, 1, 2);
    for (Normalization norm : Normalization.values()) {
      ProjectionOptions opts = ProjectionOptions.builder(3).optLambdaNeg(0f).optSmoothRadius(1)
          .optNormalization(norm).build();
      ProjectionResult r = kernel.project(ProjectionRequest.builder(FloatView.of(e), null, 1, head,
          Targets.same(1, 0), opts).build());
      float expected = norm == Normalization.NONE ? 2.6f : 0f;
      for (float v : r.map()) assertThat(v).as("%s", norm).isCloseTo(expected, within(1e-6f));
    }
  }

  @Test
  void boxFilterAveragesOnlyCellsInsideTheGrid() {
    double[] m = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    JavaReferenceKernel.boxFilter(m, 3, 1);
    assertThat(m[0]).isCloseTo((1 + 2 + 4 + 5) / 4.0, within(1e-12));  // corner: 4 cells
    assertThat(m[1]).isCloseTo((1 + 2 + 3 + 4 + 5 + 6) / 6.0, within(1e-12));  // edge: 6 cells
    assertThat(m[4]).isCloseTo(5.0, within(1e-12));  // centre: 9 cells
  }

  @Test
  void referenceChainIsMinMaxBoxMinMax() {
    double[] m = {0, 0, 0, 0, 10, 0, 0, 0, 0};
    JavaReferenceKernel.postprocess(m, 3, 1, Normalization.REFERENCE, 1e-6f);
    // after min-max: spike 1 in the centre; box: corners 1/4, edges 1/6, centre 1/9; min-max again
    double lo = 1 / 9.0, hi = 1 / 4.0;
    assertThat(m[0]).isCloseTo(1.0, within(1e-12));
    assertThat(m[4]).isCloseTo(0.0, within(1e-12));
    assertThat(m[1]).isCloseTo((1 / 6.0 - lo) / (hi - lo), within(1e-12));
  }

  @Test
  void nanInNegativeSideIsNamed() {
    float[] ePos = new float[2 * 4 * 3];
    float[] eNeg = new float[2 * 4 * 3];
    eNeg[4 * 3 + 5] = Float.NaN;  // image 1
    HeadWeights head = HeadWeights.of(new float[] {1f, 1f, 1f}, null, 1, 3);
    ProjectionRequest req = ProjectionRequest.builder(FloatView.of(ePos), FloatView.of(eNeg), 2, head,
        Targets.same(2, 0), ProjectionOptions.builder(2).build()).build();
    assertThatThrownBy(() -> kernel.project(req)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eNeg").hasMessageContaining("image 1").hasMessageContaining("[batch=2, rows=4, dim=3]");
  }
}
