package dev.tve.runtime;

import java.nio.file.Path;

/**
 * A model, head or explainer file that cannot be used: missing, unreadable, not matching its card's
 * SHA-256, or not fitting the rest of the model (a head whose D differs from the encoder's, an
 * explainer pre-trained against other encoder weights).
 *
 * <pre>{@code
 * catch (ModelFileException e) { log.error("{}: {}", e.file(), e.reason()); }
 * }</pre>
 */
public class ModelFileException extends TveException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;
  private final String reason;

  /**
   * @param file the file or folder at fault
   * @param reason why it cannot be used
   */
  public ModelFileException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
    this.reason = reason;
  }

  /**
   * @param file the file or folder at fault
   * @param reason why it cannot be used
   * @param cause the underlying error
   */
  public ModelFileException(Path file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
    this.reason = reason;
  }

  /** @return the file or folder at fault */
  public Path file() { return file; }

  /** @return why it cannot be used */
  public String reason() { return reason; }
}
