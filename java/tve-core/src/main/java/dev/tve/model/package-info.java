/**
 * Encoders and heads on libtorch: built-in ViT and CNN encoders (C++ frontend from Java), users'
 * TorchScript encoders, linear and MLP heads and their probes, a {@link dev.tve.model.TargetModel}
 * (one encoder, several named heads, saved as a folder), typed model cards
 * ({@link dev.tve.model.ModelCard}, {@link dev.tve.model.InputSpec}), the explained output
 * ({@link dev.tve.model.ExplainedOutput}, {@link dev.tve.model.ModelOutput}), supervised training on
 * scenes and the encoder recipe. May use runtime, io, kernel, image; reads and writes model folders
 * only; never explain, batch or the CLI.
 */
package dev.tve.model;
