/**
 * Runs over many files: streaming folders through any {@link dev.tve.explain.Explainer} in batches,
 * writing per-image outputs and a manifest atomically so a stopped run resumes where it was. May use
 * every lower package (image, model, explain, render); the only package of tve-core that writes
 * result files.
 */
package dev.tve.batch;
