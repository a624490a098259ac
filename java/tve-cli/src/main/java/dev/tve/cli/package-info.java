/**
 * The {@code tve} command line (picocli): flags, defaults, progress bars and printing only; every
 * recipe it runs lives in tve-core or tve-eval. The only package that prints, and the only module
 * with a logging binding.
 */
package dev.tve.cli;
