package dev.tve.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.image.Box;
import dev.tve.image.DecodedImage;
import dev.tve.image.ImageDataException;
import dev.tve.image.ImageDecoder;
import dev.tve.image.ImageFolder;
import dev.tve.image.Preprocessing;
import dev.tve.model.InputSpec;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A user's folder of images as {@link EvalImages}: every image file under it (sorted by relative
 * path), decoded and preprocessed as the model's card says; labels from a CSV ({@code file,class},
 * a header line {@code file,class} optional, paths relative to the folder) and boxes from JSON
 * ({@code {"file": [x0, y0, x1, y1]}} or a list of {@code {"file": ..., "box": [...]}}, pixels of the
 * original image, x1 and y1 exclusive), mapped into model-input pixels through the same resize.
 *
 * <pre>{@code
 * EvalImages images = FolderEvalImages.open(Path.of("photos"), model.input(), Path.of("labels.csv"), null);
 * }</pre>
 */
public final class FolderEvalImages implements EvalImages {
  private final Path root;
  private final List<String> files;
  private final InputSpec input;
  private final Preprocessing pre;
  private final ImageDecoder decoder = ImageDecoder.builder().optMaxSide(0).build();   // full size: boxes are in its pixels
  private final Map<String, Integer> labels;
  private final List<String> classNames;
  private final Map<String, int[]> boxes;

  private FolderEvalImages(Path root, List<String> files, InputSpec input, Map<String, Integer> labels, List<String> classNames,
      Map<String, int[]> boxes) {
    this.root = root;
    this.files = files;
    this.input = input;
    this.pre = input.preprocessing();
    this.labels = labels;
    this.classNames = classNames;
    this.boxes = boxes;
  }

  /**
   * @param root the folder (searched recursively)
   * @param input what the model takes
   * @param labelsCsv labels, or null
   * @param boxesJson boxes, or null
   * @return the images
   * @throws IOException when the folder or a file cannot be read
   */
  public static FolderEvalImages open(Path root, InputSpec input, Path labelsCsv, Path boxesJson) throws IOException {
    if (!Files.isDirectory(root)) throw new ModelFileException(root, "not a folder of images");
    List<String> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).filter(ImageFolder::isImageName).map(p -> key(root.relativize(p))).sorted().toList();
    }
    if (files.isEmpty()) throw new ModelFileException(root, "no image files (" + ImageFolder.EXTENSIONS + ")");
    Map<String, Integer> labels = new HashMap<>();
    List<String> names = new ArrayList<>();
    if (labelsCsv != null) {
      if (!Files.isRegularFile(labelsCsv)) throw new ModelFileException(labelsCsv, "no such labels file");
      Map<String, Integer> index = new LinkedHashMap<>();
      List<String> lines = Files.readAllLines(labelsCsv, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (line.isEmpty() || (i == 0 && line.equalsIgnoreCase("file,class"))) continue;
        int comma = line.lastIndexOf(',');
        if (comma <= 0) throw new ModelFileException(labelsCsv, "line " + (i + 1) + ": need file,class");
        String file = unquote(line.substring(0, comma)), cls = unquote(line.substring(comma + 1));
        labels.put(key(Path.of(file)), index.computeIfAbsent(cls, c -> index.size()));
      }
      if (labels.isEmpty()) throw new ModelFileException(labelsCsv, "no labels");
      names.addAll(index.keySet());
    }
    Map<String, int[]> boxes = new HashMap<>();
    if (boxesJson != null) {
      if (!Files.isRegularFile(boxesJson)) throw new ModelFileException(boxesJson, "no such boxes file");
      JsonNode n;
      try {
        n = new ObjectMapper().readTree(boxesJson.toFile());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new ModelFileException(boxesJson, "not valid JSON (" + e.getOriginalMessage() + ")");
      }
      if (n.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          boxes.put(key(Path.of(e.getKey())), box(e.getValue(), boxesJson, e.getKey()));
        }
      } else if (n.isArray()) {
        for (JsonNode e : n) boxes.put(key(Path.of(e.path("file").asText())), box(e.path("box"), boxesJson, e.path("file").asText()));
      } else {
        throw new ModelFileException(boxesJson, "need {\"file\": [x0, y0, x1, y1]} or [{\"file\": ..., \"box\": [...]}]");
      }
    }
    return new FolderEvalImages(root, files, input, labels, names, boxes);
  }

  private static int[] box(JsonNode b, Path file, String name) {
    if (!b.isArray() || b.size() != 4) throw new ModelFileException(file, name + ": a box is [x0, y0, x1, y1]");
    int[] v = new int[4];
    for (int i = 0; i < 4; i++) v[i] = b.get(i).asInt();
    if (v[2] <= v[0] || v[3] <= v[1]) throw new ModelFileException(file, name + ": empty box " + java.util.Arrays.toString(v));
    return v;
  }

  private static String key(Path p) {
    return p.normalize().toString().replace('\\', '/');
  }

  private static String unquote(String s) {
    s = s.strip();
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1).replace("\"\"", "\"") : s;
  }

  /** @return the folder */
  public Path root() { return root; }

  /** @return how many listed files the labels file names */
  public long labelled() { return files.stream().filter(labels::containsKey).count(); }

  /** @return how many listed files the boxes file names */
  public long boxed() { return files.stream().filter(boxes::containsKey).count(); }

  /** @return the image files, relative to the folder, sorted */
  public List<String> files() { return files; }

  @Override public int size() { return input.size(); }
  @Override public int channels() { return input.channels(); }
  @Override public float[] mean() { return input.mean(); }
  @Override public float[] std() { return input.std(); }
  @Override public long count() { return files.size(); }
  @Override public List<String> classNames() { return classNames; }
  @Override public boolean hasBoxes() { return !boxes.isEmpty(); }
  @Override public boolean hasLabels() { return !labels.isEmpty(); }

  /**
   * @throws UncheckedIOException wrapping an {@link ImageDataException} when the file cannot be decoded
   */
  @Override
  public Item item(long index) {
    String f = files.get((int) index);
    DecodedImage img;
    try {
      img = decoder.decode(root.resolve(f));
    } catch (IOException e) {
      throw new UncheckedIOException(e instanceof ImageDataException ? e : new ImageDataException(root.resolve(f), "unreadable: " + e.getMessage()));
    }
    float[] x = pre.apply(img);
    int[] b = boxes.get(f);
    return new Item(index, f, x, labels.getOrDefault(f, -1), b == null ? null : toInput(b, img.width(), img.height()));
  }

  /** The box in model-input pixels: scaled as the image is (stretch, or scale and centre crop), clipped to the input. */
  private Box toInput(int[] b, int w, int h) {
    int s = input.size();
    double sx, sy, ox = 0, oy = 0;
    if (input.resize() == Preprocessing.Resize.CENTER_CROP) {
      double k = Math.max((double) s / h, (double) s / w);
      int rh = Math.max(s, (int) Math.round(h * k)), rw = Math.max(s, (int) Math.round(w * k));
      sx = (double) rw / w;
      sy = (double) rh / h;
      ox = (rw - s) / 2;
      oy = (rh - s) / 2;
    } else {
      sx = (double) s / w;
      sy = (double) s / h;
    }
    int x0 = clip((int) Math.floor(b[0] * sx - ox), s), y0 = clip((int) Math.floor(b[1] * sy - oy), s);
    int x1 = clip((int) Math.ceil(b[2] * sx - ox), s), y1 = clip((int) Math.ceil(b[3] * sy - oy), s);
    return new Box(x0, y0, Math.max(x0, x1), Math.max(y0, y1));
  }

  private static int clip(int v, int s) {
    return Math.max(0, Math.min(s, v));
  }

  @Override
  public byte[] display(float[] x, float scale) {
    return EvalImages.super.display(x, input.inputScale());
  }
}
