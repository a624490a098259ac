package dev.tve.io;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code .npy} file that is not what it must be; the message names the file and the reason. */
public final class NpyFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public NpyFormatException(Path file, String reason) {
    super(file + ": " + reason);
  }
}
