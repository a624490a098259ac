/**
 * Runs over many files: streaming folders through an explainer in batches, writing per-image
 * outputs and a manifest atomically so a stopped run resumes where it was.
 */
package dev.tve.batch;
