package dev.tve.batch;

import dev.tve.image.ImageFolder;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;

/**
 * The files a run is given: each input, a file or a folder walked recursively (links followed,
 * loops detected), yields its image files one at a time (never listed whole) with their canonical
 * key and unique output name. What cannot be used is an item too, with its reason: a missing input,
 * a dangling link, a link loop (each link is followed once; a folder that links back above itself is
 * refused), an unreadable folder, a FIFO, socket or device (never opened). Non-image names inside
 * folders are passed over; a file named directly is always tried. {@code tve explain}, {@code Tve}'s
 * folder streams and {@code tve spark-explain} all list their local inputs with this walker.
 *
 * <pre>{@code
 * InputFiles.walk(List.of(Path.of("samples")), item -> {
 *   if (item.error() != null) System.err.println(item.path() + ": " + item.error());
 *   else queue.add(item);
 * });
 * }</pre>
 */
public final class InputFiles {
  /** Hex characters of the key's SHA-256 in output names: 48 bits. */
  static final int NAME_HASH = 12;
  /** The reason given for a FIFO, socket or device (named directly, or with an image name in a folder). */
  public static final String SPECIAL = "not a regular file (a FIFO, socket or device); not read";

  /**
   * One file.
   *
   * @param path the path as walked
   * @param key its canonical path (links resolved): the manifest key
   * @param name its output base name: readable and unique per key (null when it cannot be used)
   * @param id {@link KeyIndex#digest(String)} of the key, computed once
   * @param error why it cannot be used, or null
   */
  public record Item(Path path, String key, String name, long id, String error) {
    static Item failed(Path path, String key, String error) {
      return new Item(path, key, null, KeyIndex.digest(key), error);
    }
  }

  /** Receives the items in walking order. */
  @FunctionalInterface
  public interface Visitor {
    /** @return false to stop the walk */
    boolean visit(Item item) throws IOException;
  }

  private InputFiles() {}

  /**
   * Walks every input in order.
   *
   * @param inputs files and folders
   * @param visitor receives every item
   * @throws IOException when the visitor throws it
   */
  public static void walk(List<Path> inputs, Visitor visitor) throws IOException {
    for (Path input : inputs) {
      if (!Files.exists(input)) {
        String reason = Files.isSymbolicLink(input) ? linkProblem(input) : "no such file or folder";
        if (!visitor.visit(Item.failed(input, absolute(input), reason))) return;
        continue;
      }
      if (!Files.isDirectory(input)) {
        Item it = Files.isRegularFile(input) ? item(input) : Item.failed(input, absolute(input), SPECIAL);
        if (!visitor.visit(it)) return;
        continue;
      }
      boolean[] stopped = {false};
      Files.walkFileTree(input, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
          Item it;
          if (a.isSymbolicLink()) {
            if (!ImageFolder.isImageName(f)) return FileVisitResult.CONTINUE;
            it = Item.failed(f, absolute(f), linkProblem(f));        // its target could not be read
          } else if (!ImageFolder.isImageName(f)) {
            return FileVisitResult.CONTINUE;
          } else if (!a.isRegularFile()) {
            it = Item.failed(f, absolute(f), SPECIAL);                   // never opened: a FIFO would block the run
          } else {
            it = item(f);
          }
          if (visitor.visit(it)) return FileVisitResult.CONTINUE;
          stopped[0] = true;
          return FileVisitResult.TERMINATE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
          String reason = e instanceof FileSystemLoopException ? "a link loop (the folder links back to one above it); not followed"
              : "cannot be read (" + reason(e) + ")";
          if (visitor.visit(Item.failed(f, absolute(f), reason))) return FileVisitResult.CONTINUE;
          stopped[0] = true;
          return FileVisitResult.TERMINATE;
        }
      });
      if (stopped[0]) return;
    }
  }

  private static Item item(Path f) {
    String key;
    try {
      key = f.toRealPath().toString();
    } catch (IOException e) {
      return Item.failed(f, absolute(f), "cannot be resolved (" + reason(e) + ")");
    }
    byte[] sha = KeyIndex.sha256(key);
    return new Item(f, key, outputName(key, sha), KeyIndex.digest(sha), null);
  }

  private static String linkProblem(Path link) {
    try {
      link.toRealPath();
      return "cannot be read";
    } catch (NoSuchFileException e) {
      return "a dangling link (its target does not exist)";
    } catch (IOException e) {
      return "a link that cannot be followed (" + reason(e) + ")";
    }
  }

  private static String reason(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String absolute(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }

  /**
   * The output base name of a file, from its canonical path alone (so every way of naming the file
   * gives the same outputs): its folder's name and its own, separators and odd characters made
   * {@code _}, extension kept, then a dot and 12 hex of the path's SHA-256, so that {@code a b.png}
   * and {@code a_b.png}, {@code x.png} and {@code x.jpg}, {@code s_x/y.png} and {@code s/x_y.png}
   * never share outputs.
   *
   * @param key the canonical path
   * @return e.g. {@code samples_cat.png.3f9a0c12d4e5}
   */
  public static String outputName(String key) {
    return outputName(key, KeyIndex.sha256(key));
  }

  private static String outputName(String key, byte[] sha) {
    Path p = Path.of(key);
    Path parent = p.getParent() == null ? null : p.getParent().getFileName();
    String display = (parent == null ? "" : parent + "/") + p.getFileName();
    String s = display.replace('\\', '/').replace('/', '_').replaceAll("[^A-Za-z0-9._-]", "_");
    if (s.length() > 120) s = s.substring(s.length() - 120);           // file names stay under 255 bytes
    if (s.startsWith(".")) s = "_" + s.substring(1);                    // never a hidden file
    return s + "." + java.util.HexFormat.of().formatHex(sha, 0, NAME_HASH / 2);
  }
}
