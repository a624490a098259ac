package dev.tve.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An output folder the engine may write into: a new one, an empty one, or one holding a run of its own
 * (its marker file: {@code manifest.jsonl}, {@code setup.json}, ...). A folder that holds anything else
 * and no marker belongs to someone else, and is refused before anything is written or deleted, unless
 * the caller says to write beside what is there. Either way the engine then removes only its own
 * leftover temporary files ({@link AtomicFiles#removeOwnTemps}).
 *
 * <pre>{@code
 * OutputFolder.claim(out, false, "--into-existing", "manifest.jsonl");   // ForeignFilesException when out holds a user's files
 * }</pre>
 */
public final class OutputFolder {
  private OutputFolder() {}

  /** An output folder that holds files the engine did not write. */
  public static final class ForeignFilesException extends IOException {
    private static final long serialVersionUID = 1L;

    ForeignFilesException(String message) {
      super(message);
    }
  }

  /** The output folder is a file. */
  public static final class NotAFolderException extends IOException {
    private static final long serialVersionUID = 1L;

    NotAFolderException(Path p) {
      super(p + ": the output folder is a file");
    }
  }

  /**
   * Makes sure {@code out} may be written, creates it when missing, and removes the engine's own
   * leftover temporary files in it.
   *
   * @param out the output folder
   * @param intoExisting write beside files the engine did not write (they are never touched)
   * @param flag the option that says so, for the message (e.g. "--into-existing"), or null when there is none
   * @param markers the files or folders a run of this command leaves in it (any of them makes the folder the engine's)
   * @throws ForeignFilesException when the folder holds other files and no marker, and intoExisting is false
   * @throws IOException when it is a file or cannot be read or created
   */
  public static void claim(Path out, boolean intoExisting, String flag, String... markers) throws IOException {
    check(out, intoExisting, flag, markers);
    Files.createDirectories(out);
    AtomicFiles.removeOwnTemps(out);
  }

  /**
   * {@link #claim}'s checks alone, touching nothing: for a command to refuse before it starts its work.
   *
   * @param out the output folder
   * @param intoExisting write beside files the engine did not write
   * @param flag the option that says so, or null
   * @param markers the files or folders a run of this command leaves in it
   * @throws ForeignFilesException when the folder holds other files and no marker, and intoExisting is false
   * @throws IOException when it is a file or cannot be read
   */
  public static void check(Path out, boolean intoExisting, String flag, String... markers) throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) throw new NotAFolderException(out);
    boolean ours = false;
    for (String m : markers) ours |= Files.exists(out.resolve(m), LinkOption.NOFOLLOW_LINKS);
    if (Files.isDirectory(out) && !intoExisting && !ours) {
      List<String> foreign = foreign(out, 4);
      if (!foreign.isEmpty()) {
        String shown = String.join(", ", foreign.subList(0, Math.min(3, foreign.size()))) + (foreign.size() > 3 ? ", ..." : "");
        throw new ForeignFilesException(out + ": holds files this command did not write (" + shown + ") and no " + String.join(" or ", markers)
            + " of its own; choose a new or empty folder" + (flag == null ? "" : ", or pass " + flag + " to write beside them (they are never touched)"));
      }
    }
  }

  /** Up to {@code limit} names in the folder other than the engine's temporary files (folders end in '/'). */
  static List<String> foreign(Path dir, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (AtomicFiles.isOwnTemp(p) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
        out.add(p.getFileName() + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : ""));
        if (out.size() >= limit) break;
      }
    }
    out.sort(null);
    return out;
  }
}
