package dev.tve.runtime;

/**
 * Bad input to the engine: a model or explainer folder that is missing or does not match its card,
 * an unknown method or head, shapes that do not fit. The message names the file or the name and the
 * reason; nothing was half-written when it is thrown. Subclasses say which kind.
 *
 * <pre>{@code
 * try (Tve tve = Tve.open(modelDir, explainerDir)) { ... }
 * catch (ModelFileException e) { System.err.println(e.file() + ": " + e.reason()); }
 * }</pre>
 */
public class TveException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** @param message what was wrong and where */
  public TveException(String message) {
    super(message);
  }

  /**
   * @param message what was wrong and where
   * @param cause the underlying error
   */
  public TveException(String message, Throwable cause) {
    super(message, cause);
  }
}
