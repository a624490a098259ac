package dev.tve.runtime;

/**
 * A training run whose loss stopped being finite: not bad input, and not a result. Checkpoints
 * written before it stay; nothing else is written. Lower the learning rate or resume from the last
 * checkpoint.
 *
 * <pre>{@code
 * try { trainer.train(net, encoder, images); }
 * catch (TrainingDivergedException e) { retryWith(lr / 3); }
 * }</pre>
 */
public class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** @param message the run, the step and the loss */
  public TrainingDivergedException(String message) {
    super(message);
  }
}
