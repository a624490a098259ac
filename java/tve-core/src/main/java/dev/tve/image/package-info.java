/**
 * Images and datasets: OpenCV decoding and preprocessing, batches, IDX files (Fashion-MNIST from its
 * Debian package), scenes with known ground-truth boxes, canvases (black, blurred), splits. May use
 * runtime, io; its readers are the only classes below {@code batch} that read image files.
 */
package dev.tve.image;
