package dev.tve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Renders ExplainBench's JMH JSON as benchmarks/results/explain.md, with explain / embed ratios per fork. */
public final class ExplainReport {
  private ExplainReport() {}

  public static void main(String[] args) throws IOException {
    JsonNode runs = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    StringBuilder md = new StringBuilder("# Explanation throughput\n\n");
    md.append("Produced by `benchmarks/run-explain.sh` on ").append(LocalDate.now()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores. Batch 64 of 56 x 56 scenes, default ViT (7 x 7, D 128), ")
        .append("one 10-class head, the predicted class, 1 libtorch thread; explain = encoder + explainer + fused projection. ")
        .append("JMH throughput, 3 x 2 s warm-up, 6 x 2 s measured; +- is JMH's 99.9 % error.\n\n");
    md.append("| explainer shape | encoder embed, images/s | explain, images/s | explain / embed |\n|---|---:|---:|---:|\n");
    Map<String, double[]> rows = new LinkedHashMap<>();
    Map<String, double[]> err = new LinkedHashMap<>();
    for (JsonNode r : runs) {
      String shape = r.get("params").get("shape").asText();
      int col = r.get("benchmark").asText().endsWith("explain") ? 1 : 0;
      rows.computeIfAbsent(shape, k -> new double[2])[col] = r.get("primaryMetric").get("score").asDouble();
      err.computeIfAbsent(shape, k -> new double[2])[col] = r.get("primaryMetric").get("scoreError").asDouble();
    }
    rows.forEach((shape, v) -> md.append(String.format(Locale.ROOT, "| %s | %.0f +- %.0f | %.0f +- %.0f | %.2f |%n", shape, v[0],
        err.get(shape)[0], v[1], err.get(shape)[1], v[1] / v[0])));
    md.append("\nTarget (TVE issue): explain >= 0.4x embed.\n");
    System.out.print(md);
  }
}
