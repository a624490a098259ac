/**
 * The entry point a Java system holds: {@link dev.tve.api.Tve} opens a model folder and its explainer
 * (or the embedded default) and explains paths, encoded bytes, decoded images or preprocessed floats
 * and tensors with any method of the registry. The top floor of tve-core: may use every other package;
 * nothing in tve-core uses it. Prints nothing, writes nothing.
 */
package dev.tve.api;
