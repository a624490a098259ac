package dev.tve.explain;

import dev.tve.explain.classic.GradCam;
import dev.tve.explain.classic.GradientExplainer;
import dev.tve.explain.classic.IntegratedGradients;
import dev.tve.explain.classic.KernelShap;
import dev.tve.explain.classic.Occlusion;
import dev.tve.explain.classic.ReferenceFloor;
import dev.tve.explain.classic.Rise;
import dev.tve.explain.classic.Saliency;
import dev.tve.image.Canvases;
import dev.tve.model.InputSpec;
import dev.tve.model.ModelOutput;
import dev.tve.model.TargetModel;
import dev.tve.runtime.UnknownNameException;
import java.util.List;

/**
 * The method registry: every attribution method by name, built the same way for {@code tve explain
 * --method NAME}, {@code tve evaluate --methods} and the {@code Tve} entry point. Names: {@value #TVE}
 * (its raw per-patch attribution), {@value #TVE_DISPLAY} (its smoothed, normalised display map),
 * {@value #SALIENCY}, {@value #INTEGRATED_GRADIENTS} (black baseline), {@value #INTEGRATED_GRADIENTS_BLUR}
 * (each image's blurred copy), {@value #GRAD_CAM}, {@value #OCCLUSION}, {@value #RISE},
 * {@value #KERNEL_SHAP}, and the floors {@value #RANDOM} and {@value #INTENSITY}.
 *
 * <pre>{@code
 * Explainer rise = Methods.create("rise", new MethodContext(model, null, MethodSettings.defaults()));
 * float[][] maps = rise.attribute(Images.of(x, n, 1, 56), model.head("ten-class"), targets, null);
 * }</pre>
 */
public final class Methods {
  /** TVE's raw per-patch attribution. */
  public static final String TVE = "tve";
  /** TVE's smoothed, normalised display map. */
  public static final String TVE_DISPLAY = "tve-display";
  /** Saliency. */
  public static final String SALIENCY = "saliency";
  /** Integrated Gradients from black. */
  public static final String INTEGRATED_GRADIENTS = "integrated-gradients";
  /** Integrated Gradients from each image's blurred copy. */
  public static final String INTEGRATED_GRADIENTS_BLUR = "integrated-gradients-blur";
  /** Grad-CAM. */
  public static final String GRAD_CAM = "grad-cam";
  /** Occlusion. */
  public static final String OCCLUSION = "occlusion";
  /** RISE. */
  public static final String RISE = "rise";
  /** KernelSHAP. */
  public static final String KERNEL_SHAP = "kernel-shap";
  /** The random floor. */
  public static final String RANDOM = "random";
  /** The intensity floor. */
  public static final String INTENSITY = "intensity";

  /** The default comparison, in report order. */
  public static final List<String> ALL = List.of(TVE, SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION, RISE, KERNEL_SHAP,
      RANDOM, INTENSITY);

  /** The attribution methods TVE's recovery target is measured against (random and intensity are floors). */
  public static final List<String> ATTRIBUTION = List.of(SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION, RISE,
      KERNEL_SHAP);

  /** Every name {@link #create} knows. */
  public static final List<String> KNOWN = List.of(TVE, TVE_DISPLAY, SALIENCY, INTEGRATED_GRADIENTS, INTEGRATED_GRADIENTS_BLUR, GRAD_CAM, OCCLUSION,
      RISE, KERNEL_SHAP, RANDOM, INTENSITY);

  private Methods() {}

  /**
   * @param name a method name
   * @return whether it is a model-independent floor (random, intensity)
   */
  public static boolean isReference(String name) {
    return name.equals(RANDOM) || name.equals(INTENSITY);
  }

  /**
   * @param name a method name
   * @return whether it needs a pre-trained TVE explainer
   */
  public static boolean needsExplainer(String name) {
    return name.equals(TVE) || name.equals(TVE_DISPLAY);
  }

  /**
   * Checks a list of names: each known, none twice.
   *
   * @param names method names
   * @throws UnknownNameException for a name not in {@link #KNOWN}
   */
  public static void check(List<String> names) {
    for (String n : names) if (!KNOWN.contains(n)) throw new UnknownNameException("method", n, KNOWN);
    if (names.stream().distinct().count() != names.size()) throw new IllegalArgumentException("methods listed twice: " + names);
  }

  /**
   * A fresh explainer (its pass counts at 0).
   *
   * @param name a method name from {@link #KNOWN}
   * @param c the model, the TVE explainer (for tve), the settings
   * @return the explainer
   * @throws UnknownNameException for an unknown name
   * @throws IllegalArgumentException when the model lacks what the method needs (an explainer, gradients)
   */
  public static Explainer create(String name, MethodContext c) {
    if (!KNOWN.contains(name)) throw new UnknownNameException("method", name, KNOWN);
    TargetModel model = c.model();
    MethodSettings s = c.settings();
    InputSpec in = model.input();
    int g = c.grid();
    return switch (name) {
      case TVE, TVE_DISPLAY -> {
        if (c.explainer() == null) throw new IllegalArgumentException(name + " needs a pre-trained explainer for this model (tve pretrain)");
        yield TveExplainer.builder(model, c.explainer().network(), c.explainer().card()).optOutput(s.output()).optDisplayMaps(name.equals(TVE_DISPLAY))
            .optEngine(c.engine()).build();
      }
      case SALIENCY -> Saliency.builder(GradientExplainer.differentiable(model.encoder(), name), g).optOutput(s.output())
          .optInternalBatchSize(s.gradientBatchSize()).build();
      case INTEGRATED_GRADIENTS -> IntegratedGradients.builder(GradientExplainer.differentiable(model.encoder(), name), g).optOutput(s.output())
          .optSteps(s.nSteps()).optBaseline(Canvases.black(in.channels(), in.size(), in.mean(), in.std())).build();
      case INTEGRATED_GRADIENTS_BLUR -> IntegratedGradients.builder(GradientExplainer.differentiable(model.encoder(), name), g).optOutput(s.output())
          .optSteps(s.nSteps()).optBlurredBaseline(s.blurSigma()).build();
      case GRAD_CAM -> {
        dev.tve.model.DifferentiableEncoder d = GradientExplainer.differentiable(model.encoder(), name);
        if (d.camLayerMissing() != null) throw new IllegalArgumentException(name + " needs " + d.camLayerMissing());
        yield GradCam.builder(d, g).optOutput(s.output()).optInternalBatchSize(s.gradientBatchSize()).build();
      }
      case OCCLUSION -> Occlusion.builder(output(c), g).optEncoder(model.encoder())
          .optRadius(s.radius() >= 0 ? s.radius() : c.explainer() != null ? c.explainer().card().radius() : 1).build();
      case RISE -> Rise.builder(output(c), g).optEncoder(model.encoder()).optMasks(s.masks()).optKeepProbability(s.keepProbability())
          .optSeed(s.seed()).optInternalBatchSize(s.internalBatchSize()).build();
      case KERNEL_SHAP -> KernelShap.builder(output(c), g).optEncoder(model.encoder()).optSamples(s.samples()).optSeed(s.seed())
          .optInternalBatchSize(s.internalBatchSize()).build();
      case RANDOM -> ReferenceFloor.random(model.encoder(), g, s.seed());
      case INTENSITY -> ReferenceFloor.intensity(model.encoder(), g, in.mean(), in.std());
      default -> throw new UnknownNameException("method", name, KNOWN);
    };
  }

  private static ModelOutput output(MethodContext c) {
    return ModelOutput.of(c.model().encoder(), c.settings().output(), c.settings().internalBatchSize());
  }
}
