/**
 * File formats and atomic writes: NumPy {@code .npy} arrays, JSON written to a temp file and renamed.
 * Uses nothing else of the engine.
 */
package dev.tve.io;
