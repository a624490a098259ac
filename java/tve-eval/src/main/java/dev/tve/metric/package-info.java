/**
 * Faithfulness and localisation metrics for patch-grid attribution maps: deletion and insertion
 * curves (Petsiuk et al.) on several canvases, faithfulness correlation, the pointing game,
 * relevance mass, rank agreement, and paired comparisons with seeded bootstrap confidence intervals.
 * Every metric says whether higher or lower is better ({@link dev.tve.metric.Direction}). May use
 * tve-core; never the evaluation runs, files or the CLI. Nothing here prints.
 */
package dev.tve.metric;
