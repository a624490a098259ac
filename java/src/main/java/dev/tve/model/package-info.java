/**
 * Encoders and heads on libtorch: built-in ViT and CNN encoders (C++ frontend from Java), linear
 * heads and probes, supervised training on scenes, model cards, the libtorch thread policy.
 */
package dev.tve.model;
