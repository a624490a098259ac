/**
 * The zoo recipe: how the embedded default (encoder, heads, explainer, samples) is rebuilt from the
 * Fashion-MNIST package. May use every tve-core package; prints nothing.
 */
package dev.tve.zoo;
