/**
 * The explainer comparison behind {@code tve evaluate}: every method on the same scenes and
 * targets, scored by the metrics of {@link dev.tve.metric}, one record per image appended as it is
 * finished (a rerun continues), sanity tests against randomised models, and the report (markdown,
 * JSON, curve charts, HTML with overlays).
 */
package dev.tve.evaluate;
