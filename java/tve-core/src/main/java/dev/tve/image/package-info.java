/**
 * Images and datasets: IDX files (Fashion-MNIST from its Debian package), scenes with known
 * ground-truth boxes, train / validation / test splits; OpenCV decoding and batching.
 * Readers here are the only classes below {@code cli} and {@code batch} that touch files.
 */
package dev.tve.image;
