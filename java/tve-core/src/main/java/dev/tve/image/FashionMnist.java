package dev.tve.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fashion-MNIST (Zalando, MIT licence) from the Debian package {@code dataset-fashion-mnist}: 70,000
 * real 28 x 28 gray items in 10 classes, as gzipped IDX files.
 *
 * <p>The folder is, in order: the system property {@code tve.fashion.dir}, the environment variable
 * {@code TVE_FASHION_MNIST}, the package's folder as {@code dpkg -L dataset-fashion-mnist} lists
 * it, {@code /usr/share/datasets/fashion-mnist}. When none holds the files the error says how to
 * install the package.
 *
 * <pre>{@code
 * LabeledImages train = FashionMnist.load(FashionMnist.locate(), FashionMnist.Split.TRAIN);
 * }</pre>
 */
public final class FashionMnist {
  /** The class names, by label. */
  public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  public static final String PACKAGE = "dataset-fashion-mnist";
  static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The package's two splits. */
  public enum Split {
    TRAIN("train"), TEST("t10k");

    final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }
  }

  private FashionMnist() {}

  /** The folder holding the four files (see the class comment for the search order). */
  public static Path locate() throws IOException {
    String configured = dev.tve.runtime.Settings.string("tve.fashion.dir", "TVE_FASHION_MNIST");
    if (configured != null) {
      Path dir = Path.of(configured);
      if (!hasFiles(dir)) throw missing(dir + " (from tve.fashion.dir / TVE_FASHION_MNIST)");
      return dir;
    }
    Path fromDpkg = fromDpkg();
    if (fromDpkg != null && hasFiles(fromDpkg)) return fromDpkg;
    if (hasFiles(DEFAULT_DIR)) return DEFAULT_DIR;
    throw missing(DEFAULT_DIR.toString());
  }

  /** Reads one split from a folder holding {@code {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz}. */
  public static LabeledImages load(Path dir, Split split) throws IOException {
    return LabeledImages.of(IdxFile.read(dir.resolve(split.prefix + "-images-idx3-ubyte.gz")),
        IdxFile.read(dir.resolve(split.prefix + "-labels-idx1-ubyte.gz")), CLASSES);
  }

  static boolean hasFiles(Path dir) {
    for (Split s : Split.values()) {
      if (!Files.isRegularFile(dir.resolve(s.prefix + "-images-idx3-ubyte.gz"))
          || !Files.isRegularFile(dir.resolve(s.prefix + "-labels-idx1-ubyte.gz"))) {
        return false;
      }
    }
    return true;
  }

  private static Path fromDpkg() {
    try {
      Process p = new ProcessBuilder("dpkg", "-L", PACKAGE).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
      for (String line : out.split("\n")) {
        if (line.endsWith("train-images-idx3-ubyte.gz")) return Path.of(line.trim()).getParent();
      }
      return null;
    } catch (IOException e) {
      return null;  // no dpkg: not a Debian system
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static IOException missing(String where) {
    return new IOException("Fashion-MNIST not found in " + where + ". Install it with: apt-get update && apt-get install -y "
        + PACKAGE + " (or point tve.fashion.dir / TVE_FASHION_MNIST at a folder holding "
        + "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz)");
  }
}
