/**
 * The explainer comparison behind {@code tve evaluate} ({@link dev.tve.evaluate.EvaluationRecipe}):
 * every method of the registry on the same scenes and targets, explaining the same output, scored by
 * the metrics of {@link dev.tve.metric}, one record per image appended as it is finished (a rerun
 * continues), sanity tests against randomised models, and the report (markdown, JSON, curve charts,
 * HTML with overlays). May use tve-core and metric; prints nothing (a listener gets progress).
 */
package dev.tve.evaluate;
