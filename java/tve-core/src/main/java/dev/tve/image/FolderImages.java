package dev.tve.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A folder of unlabelled images (searched recursively, sorted by path) as an {@link ImageSource}:
 * image {@code i} is file {@code i mod count}, decoded and preprocessed when it is read. A file that
 * cannot be used is reported to the failure callback (file and reason) and read as zeros (the mean
 * image after normalisation), so a long run goes on.
 *
 * <pre>{@code
 * FolderImages images = FolderImages.open(Path.of("unlabelled"), ImageDecoder.create(), preprocessing,
 *     failure -> log.warn(failure.getMessage()));
 * }</pre>
 *
 * Holds the file names (one string each); may be shared between threads.
 */
public final class FolderImages implements ImageSource {
  private final Path root;
  private final String[] files;
  private final ImageDecoder decoder;
  private final Preprocessing preprocessing;
  private final Consumer<ImageDataException> onFailure;

  private FolderImages(Path root, String[] files, ImageDecoder decoder, Preprocessing preprocessing, Consumer<ImageDataException> onFailure) {
    this.root = root;
    this.files = files;
    this.decoder = decoder;
    this.preprocessing = preprocessing;
    this.onFailure = onFailure;
  }

  public static FolderImages open(Path root, ImageDecoder decoder, Preprocessing preprocessing, Consumer<ImageDataException> onFailure)
      throws IOException {
    if (!Files.isDirectory(root)) throw new ImageDataException(root, "not a folder");
    if (preprocessing.height() != preprocessing.width()) {
      throw new IllegalArgumentException("preprocessing must give square images, not " + preprocessing.height() + " x " + preprocessing.width());
    }
    String[] names;
    try (Stream<Path> s = Files.walk(root)) {
      names = s.filter(Files::isRegularFile).filter(ImageFolder::isImageName).map(p -> root.relativize(p).toString()).sorted().toArray(String[]::new);
    }
    if (names.length == 0) throw new ImageDataException(root, "no image files (" + ImageFolder.EXTENSIONS + ")");
    return new FolderImages(root, names, decoder, preprocessing, onFailure == null ? e -> {} : onFailure);
  }

  /**
   * This folder without the files that cannot be used (each reported to the failure callback): for a
   * calibration, where a zero stand-in would count as an image.
   *
   * @return the folder's usable files, decoded and preprocessed once each to find them
   * @throws ImageDataException when none is usable
   */
  public FolderImages usableOnly() throws ImageDataException {
    java.util.List<String> ok = new java.util.ArrayList<>();
    float[] scratch = new float[imageFloats()];
    for (String name : files) {
      Path f = root.resolve(name);
      try {
        preprocessing.apply(decoder.decode(f), scratch, 0);
        ok.add(name);
      } catch (ImageDataException e) {
        onFailure.accept(e);
      } catch (IOException e) {
        onFailure.accept(new ImageDataException(f, "unreadable: " + e.getMessage()));
      }
    }
    if (ok.isEmpty()) throw new ImageDataException(root, "no usable image among " + files.length + " files");
    return new FolderImages(root, ok.toArray(String[]::new), decoder, preprocessing, onFailure);
  }

  public Path root() { return root; }
  /** File {@code i}, relative to the root. */
  public Path file(int i) { return root.resolve(files[i]); }
  @Override public int channels() { return preprocessing.channels(); }
  @Override public int size() { return preprocessing.height(); }
  @Override public long count() { return files.length; }

  @Override
  public void fill(long first, int n, float[] x) {
    int size = imageFloats();
    for (int i = 0; i < n; i++) {
      Path f = root.resolve(files[(int) ((first + i) % files.length)]);
      try {
        preprocessing.apply(decoder.decode(f), x, i * size);
      } catch (ImageDataException e) {
        Arrays.fill(x, i * size, (i + 1) * size, 0f);
        onFailure.accept(e);
      } catch (IOException e) {
        Arrays.fill(x, i * size, (i + 1) * size, 0f);
        onFailure.accept(new ImageDataException(f, "unreadable: " + e.getMessage()));
      }
    }
  }
}
