package dev.tve.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.constraints.LongRange;

/**
 * The C++ kernel on every SIMD path this CPU supports, against the Java reference, on random
 * shapes (P = 1, D not a multiple of 16, K > 1, contrastive, [CLS] rows, absent sides, every
 * normalisation). 1,000 cases per property, each case checked on every supported path.
 */
class NativeKernelProperties {
  private static final JavaReferenceKernel REFERENCE = new JavaReferenceKernel();
  private static final Tolerance TOLERANCE = new Tolerance();
  private static int cases;

  static List<NativeKernel> supportedPaths() {
    List<NativeKernel> out = new ArrayList<>();
    for (Isa isa : new Isa[] {Isa.SCALAR, Isa.AVX2, Isa.AVX512}) {
      if (NativeKernel.supports(isa)) out.add(NativeKernel.cpu(isa, 2));
    }
    return out;
  }

  private static final List<NativeKernel> PATHS = supportedPaths();

  @Property(tries = 1000, seed = "20261125")
  void matchesReferenceOnEveryPath(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long seed) {
    RandomCase c = new RandomCase(seed);
    ProjectionRequest req = c.request();
    ProjectionResult expected = REFERENCE.project(req);
    for (NativeKernel kernel : PATHS) {
      ProjectionResult actual = kernel.project(req);
      TOLERANCE.assertMatches(req, expected, actual, kernel.name() + " " + c);
    }
    cases++;
  }

  @Example
  void paperShapeMatchesReferenceOnEveryPath() {
    // B=2, P=14x14 + a last [CLS] row, D=768, C=1000, K=3 with a foil.
    RandomCase c = new RandomCase(7, 14, 768);
    ProjectionOptions opts = ProjectionOptions.builder(14).optClsRow(ClsRow.LAST).optSmoothRadius(2).build();
    java.util.Random r = new java.util.Random(3);
    int B = 2, D = 768, C = 1000;
    float[] ep = RandomCase.gaussian(r, (long) B * 197 * D, 1f), en = RandomCase.gaussian(r, (long) B * 197 * D, 1f);
    float[] w = RandomCase.gaussian(r, (long) C * D, 0.05f), b = RandomCase.gaussian(r, C, 1f);
    Targets t = Targets.contrastive(3, new int[] {1, 500, 999, 0, 3, 998}, new int[] {-1, 2, -1, -1, 999, -1});
    ProjectionRequest req = ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B,
        HeadWeights.of(w, b, C, D), t, opts).build();
    ProjectionResult expected = REFERENCE.project(req);
    for (NativeKernel kernel : PATHS) TOLERANCE.assertMatches(req, expected, kernel.project(req), kernel.name() + " paper shape");
    assertThat(c.dim).isEqualTo(768);
  }

  @AfterContainer
  static void mostMapsWereComparedValueByValue() {
    // Ill-conditioned (near-constant) maps are legitimately skipped; they must stay rare.
    int total = TOLERANCE.mapsCompared + TOLERANCE.mapsIllConditioned;
    if (cases >= 1000) {
      assertThat(TOLERANCE.mapsIllConditioned).as("ill-conditioned maps of %d (%d exactly constant)", total,
          TOLERANCE.mapsConstant).isLessThan(total / 20);
    }
  }
}
