package dev.tve.examples;

import dev.tve.api.ExplainOptions;
import dev.tve.api.Explanation;
import dev.tve.api.Tve;
import dev.tve.explain.Attribution;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Java application using the engine through its one entry point: explains a folder of images with
 * TVE and with occlusion on the embedded zoo, and prints each image's predicted class, its top patch
 * and how well the two methods agree there.
 *
 * <pre>
 *   java -cp ... dev.tve.examples.ExplainSamples samples/
 * </pre>
 */
public final class ExplainSamples {
  private ExplainSamples() {}

  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args.length > 0 ? args[0] : "samples");
    // README's "use it from Java": open the embedded default, explain a folder, read the maps.
    try (Tve tve = Tve.openDefault();
        Stream<Explanation> maps = tve.explain(folder)) {
      ExplainOptions occlusion = ExplainOptions.builder().optMethod("occlusion").build();
      int ok = 0, failed = 0;
      for (Explanation e : (Iterable<Explanation>) maps::iterator) {
        if (!e.ok()) {
          failed++;
          System.err.println(e.source() + ": " + e.error());
          continue;
        }
        Attribution t = e.attributions().get(0);
        Attribution o = tve.explain(e.source(), java.nio.file.Files.readAllBytes(Path.of(e.source())), occlusion).attributions().get(0);
        System.out.printf("%-40s %-12s p=%.3f  TVE top patch %2d, occlusion top patch %2d%n", Path.of(e.source()).getFileName(), t.targetName(),
            t.targetProbability(), t.topPatch(), o.topPatch());
        ok++;
      }
      System.out.printf("explained %d images with TVE and occlusion (%d unreadable); explainer methods: %s%n", ok, failed,
          List.of(tve.explainer(ExplainOptions.defaults()).name(), tve.explainer(occlusion).name()));
      if (ok == 0) System.exit(1);
    }
  }
}
