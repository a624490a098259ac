/**
 * The classic attribution methods behind {@link dev.tve.explain.Explainer}, in Captum's vocabulary
 * (target, baselines, nSteps, internal batch size, seed): the perturbation methods share
 * {@link dev.tve.explain.classic.PerturbationExplainer} ({@link dev.tve.explain.classic.Occlusion},
 * {@link dev.tve.explain.classic.Rise}, {@link dev.tve.explain.classic.KernelShap}) and see the model
 * only as a {@link dev.tve.model.ModelOutput}; the gradient methods share
 * {@link dev.tve.explain.classic.GradientExplainer} ({@link dev.tve.explain.classic.Saliency},
 * {@link dev.tve.explain.classic.IntegratedGradients}, {@link dev.tve.explain.classic.GradCam}) and
 * need a {@link dev.tve.model.DifferentiableEncoder}; {@link dev.tve.explain.classic.ReferenceFloor}
 * gives the random and intensity floors. May use image, model, kernel; never files, the CLI or metrics.
 */
package dev.tve.explain.classic;
