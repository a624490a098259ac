/**
 * Encoders and heads on libtorch: built-in ViT and CNN encoders (C++ frontend from Java), users'
 * TorchScript encoders, linear and MLP heads and their probes, a {@link dev.tve.model.TargetModel}
 * (one encoder, several named heads, saved as a folder), supervised training on scenes, model
 * cards, and the native runtime policies (libtorch and OpenBLAS threads, the allocator).
 */
package dev.tve.model;
