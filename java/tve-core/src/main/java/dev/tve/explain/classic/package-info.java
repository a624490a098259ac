/**
 * Classic perturbation explainers behind {@link dev.tve.explain.PatchExplainer}, in Captum's
 * vocabulary (target, baselines as a fill image, n_samples, seed): {@link
 * dev.tve.explain.classic.Occlusion}, {@link dev.tve.explain.classic.Rise}, {@link
 * dev.tve.explain.classic.KernelShap}. They see the model only as a {@link
 * dev.tve.model.ClassScorer}, in bounded chunks of perturbed images.
 */
package dev.tve.explain.classic;
