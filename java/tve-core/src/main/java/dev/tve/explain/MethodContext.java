package dev.tve.explain;

import dev.tve.kernel.ProjectionEngine;
import dev.tve.model.TargetModel;

/**
 * What the registry builds a method from: the model explained, its pre-trained TVE explainer (null
 * when TVE is not wanted), the projection engine TVE uses (null: the best here), and the method
 * settings. The grid of the maps is the explainer's, else the model card's.
 *
 * <pre>{@code
 * MethodContext ctx = MethodContext.of(model).withExplainer(loaded).withSettings(MethodSettings.defaults());
 * Explainer e = Methods.create("occlusion", ctx);
 * }</pre>
 *
 * @param model the model
 * @param explainer the loaded TVE explainer, or null
 * @param engine the projection engine, or null for the default
 * @param settings the methods' settings
 */
public record MethodContext(TargetModel model, ExplainerFiles.Loaded explainer, ProjectionEngine engine, MethodSettings settings) {

  /**
   * @param model the model
   * @return a context with no explainer and the default settings
   */
  public static MethodContext of(TargetModel model) {
    return new MethodContext(model, null, null, MethodSettings.defaults());
  }

  /** @param v the loaded explainer @return a copy with it */
  public MethodContext withExplainer(ExplainerFiles.Loaded v) { return new MethodContext(model, v, engine, settings); }
  /** @param v the settings @return a copy with them */
  public MethodContext withSettings(MethodSettings v) { return new MethodContext(model, explainer, engine, v); }

  /** @return the maps' grid side: the explainer's, else the model card's */
  public int grid() {
    if (explainer != null) return explainer.network().config().grid();
    int g = model.input().grid();
    if (g <= 0) throw new IllegalArgumentException("the model's card gives no patch grid and no explainer is loaded: the maps' grid is unknown");
    return g;
  }
}
