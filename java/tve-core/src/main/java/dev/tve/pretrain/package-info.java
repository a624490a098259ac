/**
 * Label-free pre-training of a TVE explainer against a frozen encoder: the trainer (masks, targets
 * from the encoder, optimizer, checkpoints) and the recipe that writes an explainer folder. May use
 * runtime, image, model, explain, render; prints nothing.
 */
package dev.tve.pretrain;
