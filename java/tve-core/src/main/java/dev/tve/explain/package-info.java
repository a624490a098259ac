/**
 * TVE: the explainer network (a trunk and positive / negative explainer heads predicting masked
 * embeddings per patch), its label-free pre-training, the held-out check of its predictions, and
 * inference through the transfer rule: any head, any class, top-k, all, contrastive and several
 * heads from one explainer pass.
 */
package dev.tve.explain;
