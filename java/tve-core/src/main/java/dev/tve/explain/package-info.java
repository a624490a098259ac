/**
 * Attribution: the one {@link dev.tve.explain.Explainer} contract every method implements, the method
 * registry ({@link dev.tve.explain.Methods}), the {@link dev.tve.explain.Attribution} result, target
 * forms ({@link dev.tve.explain.TargetSpec}), and TVE itself: the explainer network, its card and
 * files, the held-out check, and inference through the transfer rule (any head, any class, top-k,
 * all, contrastive, several heads from one explainer pass). May use runtime, kernel, image, model;
 * reads explainer folders only; never batch, render, metrics or the CLI.
 */
package dev.tve.explain;
