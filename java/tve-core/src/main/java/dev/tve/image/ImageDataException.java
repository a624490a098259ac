package dev.tve.image;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not usable image data; the message names the file and the reason. */
public class ImageDataException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient Path file;
  private final String reason;

  public ImageDataException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
    this.reason = reason;
  }

  /** Why the file is not usable, without its name. */
  public String reason() {
    return reason;
  }

  /** The offending file. */
  public Path file() {
    return file;
  }
}
