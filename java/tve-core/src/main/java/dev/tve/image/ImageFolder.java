package dev.tve.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A class-per-subfolder image folder ({@code root/<class>/<file>}), streamed: files are listed
 * lazily, one directory stream at a time, so a folder of a million images is never held in
 * memory. Classes are the subfolder names, sorted; files come in directory order within a class.
 * Only files with a known image extension are listed; unreadable ones fail later, at decoding,
 * with their name.
 *
 * <pre>{@code
 * ImageFolder folder = ImageFolder.open(Path.of("photos"));
 * Iterator<ImageFolder.Entry> it = folder.iterator();   // Entry(path, label)
 * }</pre>
 *
 * The folder object is immutable and may be shared; each iterator belongs to one thread and must
 * be drained or closed ({@link EntryIterator#close()}).
 */
public final class ImageFolder implements Iterable<ImageFolder.Entry> {
  /** File extensions listed (lower case). */
  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "pgm", "ppm", "pbm");

  /** One file and its class index. */
  public record Entry(Path path, int label) {}

  private final Path root;
  private final List<String> classes;

  private ImageFolder(Path root, List<String> classes) {
    this.root = root;
    this.classes = List.copyOf(classes);
  }

  /** Opens a folder whose subfolders are the classes. */
  public static ImageFolder open(Path root) throws IOException {
    if (!Files.isDirectory(root)) throw new ImageDataException(root, "not a folder");
    List<String> classes = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path p : ds) classes.add(p.getFileName().toString());
    }
    if (classes.isEmpty()) throw new ImageDataException(root, "no class subfolders");
    classes.sort(null);
    return new ImageFolder(root, classes);
  }

  public Path root() { return root; }
  /** Class names, by label. */
  public List<String> classes() { return classes; }

  /** Whether a file name has a listed image extension. */
  public static boolean isImageName(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  @Override
  public EntryIterator iterator() {
    return new EntryIterator();
  }

  /** The entries as a lazy stream (close it to release the open directory). */
  public Stream<Entry> stream() {
    EntryIterator it = iterator();
    Iterable<Entry> once = () -> it;
    return java.util.stream.StreamSupport.stream(once.spliterator(), false).onClose(it::close);
  }

  /** Lazily walks one class directory after the other. */
  public final class EntryIterator implements Iterator<Entry>, AutoCloseable {
    private int label = -1;
    private DirectoryStream<Path> current;
    private Iterator<Path> files;
    private Entry next;

    private EntryIterator() {}

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (files != null && files.hasNext()) {
          Path p = files.next();
          if (Files.isRegularFile(p) && isImageName(p)) next = new Entry(p, label);
          continue;
        }
        close();
        if (++label >= classes.size()) return false;
        try {
          current = Files.newDirectoryStream(root.resolve(classes.get(label)));
          files = current.iterator();
        } catch (IOException e) {
          throw new UncheckedIOException(root.resolve(classes.get(label)) + ": cannot list", e);
        }
      }
      return true;
    }

    @Override
    public Entry next() {
      if (!hasNext()) throw new NoSuchElementException();
      Entry e = next;
      next = null;
      return e;
    }

    /** Releases the directory currently open. */
    @Override
    public void close() {
      if (current != null) {
        try {
          current.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          current = null;
          files = null;
        }
      }
    }
  }
}
