package dev.tve.zoo;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.Scene;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.io.AtomicFiles;
import dev.tve.model.ModelCard;
import dev.tve.render.PngFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Fashion-MNIST scenes written as a folder of images, the way users bring theirs: PNG files, a
 * {@code labels.csv} ({@code file,class}) and a {@code boxes.json} ({@code {"file": [x0, y0, x1, y1]}},
 * pixels, x1 and y1 exclusive) that {@code tve evaluate --images} reads. The folder is written beside
 * its destination and renamed into place.
 *
 * <pre>{@code
 * SceneFolder.write(Path.of("runs/scenes"), SceneFolder.generator(data, card, "test", 5, new int[0]), 0, 500, done -> {});
 * }</pre>
 */
public final class SceneFolder {
  private SceneFolder() {}

  /**
   * The scenes of a split, as tve evaluate and tve pretrain make them.
   *
   * @param data the Fashion-MNIST folder
   * @param card a built-in model's card (its validation carve of the train split); may be null for the test split
   * @param split train (the carve's train part), validation (its validation part) or test
   * @param seed the scene seed
   * @param exclude classes whose items (and clutter) are left out
   * @return the generator
   * @throws IOException when the data cannot be read
   */
  public static SceneGenerator generator(Path data, ModelCard card, String split, long seed, int[] exclude) throws IOException {
    Set<Integer> ex = java.util.Arrays.stream(exclude).boxed().collect(Collectors.toSet());
    LabeledImages images = FashionMnist.load(data, split.equals("test") ? FashionMnist.Split.TEST : FashionMnist.Split.TRAIN);
    int[] items = switch (split) {
      case "test" -> Splits.all(images.size());
      case "train" -> Splits.carve(images.size(), card.validationItems(), card.seed()).train();
      case "validation" -> Splits.carve(images.size(), card.validationItems(), card.seed()).validation();
      default -> throw new IllegalArgumentException("split " + split + ": train, validation or test");
    };
    int[] kept = Splits.withLabels(items, images, l -> !ex.contains(l));
    return SceneGenerator.builder(images, kept).optClutterSources(kept).optSeed(seed).build();
  }

  /**
   * Writes scenes {@code first .. first + n - 1} of a generator into {@code out} (which must not exist).
   *
   * @param out the folder
   * @param gen the scenes
   * @param first the first scene index
   * @param n scenes
   * @param progress scenes written so far
   * @throws IOException when a file cannot be written
   */
  public static void write(Path out, SceneGenerator gen, long first, int n, LongConsumer progress) throws IOException {
    if (Files.exists(out)) throw new IllegalArgumentException(out + ": exists; write scenes into a new folder");
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".scenes-");
    List<String> names = gen.classNames();
    Map<String, List<Integer>> boxes = new LinkedHashMap<>();
    try (BufferedWriter labels = Files.newBufferedWriter(tmp.resolve("labels.csv"), StandardCharsets.UTF_8)) {
      labels.write("file,class\n");
      for (int i = 0; i < n; i++) {
        Scene s = gen.scene(first + i);
        String file = String.format("scene-%06d.png", first + i);
        try (Mat m = new Mat(gen.canvas(), gen.canvas(), org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(s.pixels()))) {
          PngFiles.write(tmp.resolve(file), m);
        }
        labels.write(file + "," + csv(names.get(s.label())) + "\n");
        boxes.put(file, List.of(s.box().x0(), s.box().y0(), s.box().x1(), s.box().y1()));
        if ((i + 1) % 500 == 0 || i + 1 == n) progress.accept(i + 1);
      }
    }
    AtomicFiles.writeJson(tmp.resolve("boxes.json"), boxes);
    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String csv(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
