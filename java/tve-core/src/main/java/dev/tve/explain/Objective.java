package dev.tve.explain;

import java.util.Locale;

/**
 * What a TVE explainer is pre-trained to predict.
 *
 * <ul>
 *   <li>{@link #WINDOW} (the paper's, the default): E+ and E-, the embeddings of the image with only a
 *       patch's (2r + 1)^2 window kept and with it removed; a head's map is lambda+ h(E+) - lambda- h(E-).
 *   <li>{@link #SHAPLEY}: Phi, per patch p the D-vector sum_S pi(S) [e(x_{S+p}) - e(x_S)] of the
 *       embedding game whose players are the patches of the map's grid and whose removed patches take
 *       KernelSHAP's fill (zero in normalised space). For a linear head f = w e + b, w_k Phi_p is the
 *       Shapley value of patch p for class k (the bias cancels), so one explainer serves every linear
 *       head on the encoder, unseen classes included. Efficiency, sum_p Phi_p = e(x) - e(x_empty), is made
 *       exact by an additive correction (e(x) is computed for the prediction anyway; e(x_empty) is stored
 *       in the card).
 *   <li>{@link #BANZHAF}: the same with Banzhaf's weighting (every coalition alike); no efficiency.
 * </ul>
 *
 * <pre>{@code
 * Objective o = Objective.parse("shapley");   // o.isGame() == true
 * }</pre>
 */
public enum Objective {
  WINDOW, SHAPLEY, BANZHAF;

  /** @return the name as cards and flags write it */
  public String label() { return name().toLowerCase(Locale.ROOT); }

  /** @return whether the explainer predicts a per-patch value of the embedding game (Phi) rather than E+ and E- */
  public boolean isGame() { return this != WINDOW; }

  /** @param s window, shapley or banzhaf; null reads as window (cards from before objectives) @return the objective */
  public static Objective parse(String s) {
    if (s == null) return WINDOW;
    for (Objective o : values()) if (o.label().equals(s)) return o;
    throw new IllegalArgumentException("objective '" + s + "': window, shapley or banzhaf");
  }

  /** How pre-training estimates the game's values at each step. */
  public enum Estimator {
    /**
     * Marginal contributions along random permutations, antithetic: a segment of a random permutation
     * and the same segment of its reverse (complementary coalitions), each player's target the mean of its
     * two contributions; the segment's start is uniform so every position is equally likely. Shapley only.
     */
    PERMUTATION,
    /**
     * Least squares over coalitions (FastSHAP / ViT-Shapley): Shapley-kernel coalition sizes, each with its
     * complement; the loss is ||e(x_S) - e(x_empty) - sum_{p in S} Phi_p||^2 with Phi efficiency-corrected.
     * For Banzhaf, uniform coalitions and the paired difference e(x_S) - e(x_{N-S}) against sum_S Phi - sum_{N-S} Phi.
     */
    REGRESSION;

    /** @return the name as cards and flags write it */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** @param s permutation or regression @return the estimator */
    public static Estimator parse(String s) {
      for (Estimator e : values()) if (e.label().equals(s)) return e;
      throw new IllegalArgumentException("estimator '" + s + "': permutation or regression");
    }
  }
}
