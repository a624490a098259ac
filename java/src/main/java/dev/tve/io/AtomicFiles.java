package dev.tve.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Helpers for files written to a temp name and renamed into place. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Gives a temp file the usual rw-r--r-- (createTempFile makes it owner-only); no-op off POSIX. */
  public static void readableByAll(Path tmp) throws IOException {
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default
    }
  }
}
