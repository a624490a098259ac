package dev.tve.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Helpers for files written to a temp name and renamed into place. Every temporary file the engine
 * writes is named by {@link #tempFor}: {@value #TEMP_PREFIX}NAME.RANDOM.tmp, a name no user file has,
 * so that clean-up ({@link #removeOwnTemps}) removes only the engine's own leftovers, never a user's
 * {@code data.tmp}.
 *
 * <pre>{@code
 * AtomicFiles.write(out.resolve("summary.md"), bytes);     // via .tve-tmp-summary.md.3f9a0c12.tmp
 * }</pre>
 */
public final class AtomicFiles {
  /** The prefix of every temporary file name the engine writes. */
  public static final String TEMP_PREFIX = ".tve-tmp-";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private AtomicFiles() {}

  /**
   * @param file the file to be written
   * @return a temporary file beside it, named {@value #TEMP_PREFIX}NAME.RANDOM.tmp (unique per call)
   */
  public static Path tempFor(Path file) {
    String name = file.getFileName().toString();
    if (name.length() > 180) name = name.substring(0, 180);        // file names stay under 255 bytes
    return file.resolveSibling(TEMP_PREFIX + name + "." + java.util.HexFormat.of().toHexDigits(RANDOM.nextInt()) + ".tmp");
  }

  /**
   * A temporary file for a libtorch archive ({@code save_to}, a TorchScript {@code save}): libtorch
   * names the archive's inner folder after the file it writes, so the temporary file keeps the
   * destination's name plus {@code .tmp} (the bytes do not depend on a random name: a build is
   * reproducible), inside a private folder named by {@link #TEMP_PREFIX}. Move it with {@link #moveArchive}.
   *
   * @param file the archive to be written
   * @return the temporary file
   * @throws IOException when the private folder cannot be made
   */
  public static Path archiveTemp(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    return Files.createTempDirectory(dir, TEMP_PREFIX + "archive-").resolve(file.getFileName() + ".tmp");
  }

  /**
   * Renames an {@link #archiveTemp} file over its destination and removes its private folder.
   *
   * @param tmp the temporary file
   * @param file the destination
   * @throws IOException when it cannot be moved
   */
  public static void moveArchive(Path tmp, Path file) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(tmp.getParent());
    }
  }

  /** @return whether a path's name is one {@link #tempFor} gives */
  public static boolean isOwnTemp(Path p) {
    String n = p.getFileName().toString();
    return n.startsWith(TEMP_PREFIX) && n.endsWith(".tmp");
  }

  /**
   * Deletes the engine's leftover temporary files directly in {@code dir} (a run killed between a
   * write and its rename): regular files named by {@link #tempFor} only; anything else stays.
   *
   * @param dir the folder
   * @return how many were deleted
   * @throws IOException when the folder cannot be listed or a leftover deleted
   */
  public static int removeOwnTemps(Path dir) throws IOException {
    int n = 0;
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(TEMP_PREFIX))) {
      for (Path p : ds) {
        if (isOwnTemp(p) && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          n++;
        } else if (p.getFileName().toString().startsWith(TEMP_PREFIX + "archive-") && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          // An archiveTemp folder: its one file (never a link or a folder) and the folder.
          try (java.nio.file.DirectoryStream<Path> inner = Files.newDirectoryStream(p)) {
            for (Path f : inner) if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.deleteIfExists(f);
          }
          try {
            Files.deleteIfExists(p);
            n++;
          } catch (java.nio.file.DirectoryNotEmptyException e) {
            // something else is in it: not ours to remove
          }
        }
      }
    }
    return n;
  }

  /** Writes {@code value} as indented JSON to a {@link #tempFor temporary file}, then renames it over {@code file}. */
  public static void writeJson(Path file, Object value) throws IOException {
    Path tmp = tempFor(file);
    try {
      JSON.writeValue(tmp.toFile(), value);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes bytes to a {@link #tempFor temporary file}, then renames it over {@code file}. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path tmp = tempFor(file);
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Gives a temp file the usual rw-r--r-- (createTempFile makes it owner-only); no-op off POSIX. */
  public static void readableByAll(Path tmp) throws IOException {
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: keep the default
    }
  }
}
