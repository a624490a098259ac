package dev.tve.evaluate;

import dev.tve.explain.PatchExplainer;
import dev.tve.explain.TveExplainer;
import dev.tve.explain.TvePatchExplainer;
import dev.tve.explain.classic.GradCam;
import dev.tve.explain.classic.IntegratedGradients;
import dev.tve.explain.classic.KernelShap;
import dev.tve.explain.classic.Occlusion;
import dev.tve.explain.classic.Rise;
import dev.tve.explain.classic.Saliency;
import dev.tve.image.Canvases;
import dev.tve.model.Encoder;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import java.util.List;

/**
 * The methods {@code tve evaluate} compares, by name, at the default budgets fixed before anything
 * was measured (issue 10): TVE (its raw per-patch attribution; {@code tve-display} is the smoothed,
 * normalised map {@code tve explain} draws: on 150 validation scenes the raw map was better on black
 * deletion, insertion and relevance mass and tied on the rest); Saliency (1 forward + 1 backward); Integrated Gradients (50 steps,
 * black or blurred baseline); Grad-CAM (1 + 1); Occlusion (TVE's window, stride 1: P + 1 forwards);
 * RISE (4000 masks, p = 0.5); KernelSHAP (2P + 2048 coalitions); and the reference floors random and
 * intensity, which {@link Evaluation} computes itself (they need the scene, not the model). Integrated
 * Gradients comes twice: from black, and from each image's blurred copy (the insertion canvas). On
 * 150 validation scenes neither baseline was better on every metric: black deletion, faithfulness
 * correlation and localisation favoured black, zero deletion and insertion the blur
 * (benchmarks/results/explainer-comparisons.md), so both are compared.
 *
 * <pre>{@code
 * Methods.Context ctx = new Methods.Context(model.encoder(), head, tve, 56, 7, mean, std, 7, 128, 4.0);
 * PatchExplainer rise = Methods.create(Methods.RISE, ctx);
 * float[][] maps = rise.explain(x, n, targets);
 * }</pre>
 */
public final class Methods {
  public static final String TVE = "tve", TVE_DISPLAY = "tve-display", SALIENCY = "saliency", INTEGRATED_GRADIENTS = "integrated-gradients",
      INTEGRATED_GRADIENTS_BLUR = "integrated-gradients-blur", GRAD_CAM = "grad-cam", OCCLUSION = "occlusion", RISE = "rise", KERNEL_SHAP = "kernel-shap", RANDOM = "random", INTENSITY = "intensity";

  /** The default comparison, in report order. */
  public static final List<String> ALL = List.of(TVE, SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION, RISE, KERNEL_SHAP, RANDOM,
      INTENSITY);

  /** The attribution methods TVE's recovery target is measured against (random and intensity are floors). */
  public static final List<String> ATTRIBUTION = List.of(SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION, RISE,
      KERNEL_SHAP);

  /** Every name {@link #create} or {@link Evaluation} knows. */
  public static final List<String> KNOWN = List.of(TVE, TVE_DISPLAY, SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION, RISE,
      KERNEL_SHAP, RANDOM, INTENSITY);

  private Methods() {}

  /** Model-independent maps computed from the scene. */
  public static boolean isReference(String name) {
    return name.equals(RANDOM) || name.equals(INTENSITY);
  }

  /**
   * What a method is built from: the model under test, a TVE explainer for its encoder (null when
   * TVE is not compared), the image geometry and normalisation, the seed, the internal batch size,
   * and the blur sigma of the blurred IG baseline.
   */
  public record Context(Encoder encoder, Head head, TveExplainer tve, int size, int grid, float mean, float std, long seed, int chunk,
      double blurSigma) {}

  public static void check(List<String> names) {
    for (String n : names) {
      if (!KNOWN.contains(n)) throw new IllegalArgumentException("method '" + n + "': one of " + KNOWN);
    }
    if (names.stream().distinct().count() != names.size()) throw new IllegalArgumentException("methods listed twice: " + names);
  }

  /** A fresh explainer (its pass counters at 0) for a model-dependent method. */
  public static PatchExplainer create(String name, Context c) {
    int s = c.size(), g = c.grid();
    return switch (name) {
      case TVE, TVE_DISPLAY -> {
        if (c.tve() == null) throw new IllegalArgumentException("no TVE explainer for this model");
        yield new TvePatchExplainer(c.tve(), c.head(), name.equals(TVE));
      }
      case SALIENCY -> new Saliency(builtIn(c.encoder(), name), c.head(), g, 32);
      case INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR -> {
        float[] black = Canvases.black(1, s, new float[] {c.mean()}, new float[] {c.std()});
        IntegratedGradients ig = new IntegratedGradients(builtIn(c.encoder(), name), c.head(), g, 50, black);
        yield name.equals(INTEGRATED_GRADIENTS) ? ig : new BlurredBaseline(ig, s, c.blurSigma());
      }
      case GRAD_CAM -> new GradCam(builtIn(c.encoder(), name), c.head(), g, 32);
      case OCCLUSION -> Occlusion.builder(new ModelScorer(c.encoder(), c.head(), c.chunk()), 1, s, g).build();
      case RISE -> Rise.builder(new ModelScorer(c.encoder(), c.head(), c.chunk()), 1, s, g).optSeed(c.seed()).build();
      case KERNEL_SHAP -> KernelShap.builder(new ModelScorer(c.encoder(), c.head(), c.chunk()), 1, s, g).optSeed(c.seed()).build();
      default -> throw new IllegalArgumentException("method '" + name + "' is not built from a model");
    };
  }

  private static EncoderModule builtIn(Encoder e, String method) {
    if (e instanceof EncoderModule m) return m;
    throw new IllegalArgumentException(method + " needs a built-in encoder (libtorch autograd through it)");
  }

  /** Integrated Gradients from each image's own blurred copy. */
  private static final class BlurredBaseline implements PatchExplainer {
    private final IntegratedGradients ig;
    private final int size;
    private final double sigma;

    BlurredBaseline(IntegratedGradients ig, int size, double sigma) {
      this.ig = ig;
      this.size = size;
      this.sigma = sigma;
    }

    @Override public String name() { return INTEGRATED_GRADIENTS_BLUR; }
    @Override public int grid() { return ig.grid(); }
    @Override public long forwardPasses() { return ig.forwardPasses(); }
    @Override public long backwardPasses() { return ig.backwardPasses(); }

    @Override
    public float[][] explain(float[] x, int n, int[] targets) {
      int f = size * size;
      float[] b = new float[n * f];
      for (int i = 0; i < n; i++) {
        float[] blurred = Canvases.blur(java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f), 1, size, sigma);
        System.arraycopy(blurred, 0, b, i * f, f);
      }
      return ig.explain(x, b, n, targets);
    }
  }
}
