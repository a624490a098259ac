/**
 * Faithfulness and localisation metrics for patch-grid attribution maps: deletion and insertion
 * curves (Petsiuk et al.) on several canvases, the pointing game, and paired comparisons with
 * seeded bootstrap confidence intervals. Every metric says whether higher or lower is better
 * ({@link dev.tve.metric.Direction}). Nothing here prints.
 */
package dev.tve.metric;
