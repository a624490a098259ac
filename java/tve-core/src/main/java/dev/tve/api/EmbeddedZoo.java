package dev.tve.api;

import dev.tve.runtime.Settings;
import dev.tve.runtime.TveException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The zoo that travels inside tve-core's jar ({@code dev/tve/zoo/}), unpacked once into a cache
 * folder keyed by its content hash (setting {@code tve.cache.dir}, default {@code ~/.cache/tve}):
 * libtorch loads weights from files. Unpacking goes to a temporary folder renamed into place, so
 * processes starting together never see a half-written zoo.
 *
 * <pre>{@code
 * Path model = EmbeddedZoo.locate().resolve("scene-vit");   // and .resolve("explainer")
 * }</pre>
 */
public final class EmbeddedZoo {
  static final String RESOURCE = "/dev/tve/zoo";

  private static Path located;

  private EmbeddedZoo() {}

  /** @return the unpacked zoo folder (holding scene-vit/ and explainer/), found once per process */
  public static synchronized Path locate() {
    if (located != null && Files.isRegularFile(located.resolve(".complete"))) return located;
    located = unpackEmbedded();
    return located;
  }

  private static Path unpackEmbedded() {
    URL url = EmbeddedZoo.class.getResource(RESOURCE + "/recipe.json");
    if (url == null) throw new TveException("this tve-core jar carries no embedded zoo (" + RESOURCE + "); open a model folder with Tve.open");
    try {
      URI uri = url.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem fs;
        try {
          fs = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          fs = FileSystems.getFileSystem(uri);
        }
        return unpack(fs.getPath(RESOURCE));
      }
      return unpack(Path.of(uri).getParent());
    } catch (URISyntaxException e) {
      throw new TveException("cannot read the embedded zoo: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the embedded zoo", e);
    }
  }

  private static Path unpack(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    String key = hash(root, files);
    String base = Settings.string("tve.cache.dir");
    Path cache = base != null ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache", "tve");
    Path target = cache.resolve("zoo-" + key);
    if (Files.isRegularFile(target.resolve(".complete"))) return target;
    Files.createDirectories(cache);
    Path tmp = Files.createTempDirectory(cache, "zoo-" + key + ".tmp");
    for (Path f : files) {
      Path dst = tmp.resolve(root.relativize(f).toString());
      Files.createDirectories(dst.getParent());
      Files.copy(f, dst, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.writeString(tmp.resolve(".complete"), key);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
      // Another process unpacked it first: use theirs, drop ours.
      deleteTree(tmp);
      if (!Files.isRegularFile(target.resolve(".complete"))) throw new IOException(target + ": an incomplete zoo is in the way; delete it", e);
    }
    return target;
  }

  private static String hash(Path root, List<Path> files) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        md.update(root.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(Files.readAllBytes(f));
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
