package dev.tve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Renders EmbeddingBench's JMH JSON as the markdown table of benchmarks/results/embedding.md. */
public final class EmbeddingReport {
  private EmbeddingReport() {}

  public static void main(String[] args) throws IOException {
    java.util.List<JsonNode> runs = new java.util.ArrayList<>();
    for (String a : args) new ObjectMapper().readTree(Path.of(a).toFile()).forEach(runs::add);
    StringBuilder md = new StringBuilder("# Encoder embedding throughput\n\n");
    md.append("Produced by `benchmarks/run-embedding.sh` on ").append(LocalDate.now()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores. Batch 64 of 56 x 56 gray scenes. embed: eval mode, ")
        .append("no gradients; train step: forward, backward and AdamW with a 10-class head. JMH throughput, 3 x 2 s warm-up, ")
        .append("5 x 2 s measured; +- is JMH's 99.9 % error.\n\n");
    md.append("| encoder | libtorch threads | allocator | embed, images/s | train step, images/s |\n|---|---:|---|---:|---:|\n");
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (JsonNode r : runs) {
      JsonNode p = r.get("params"), m = r.get("primaryMetric");
      String key = "| " + p.get("encoder").asText() + " | " + p.get("torchThreads").asText() + " | "
          + (p.get("mallocTune").asText().equals("true") ? "tuned" : "glibc defaults") + " |";
      String cell = String.format(Locale.ROOT, "%.0f +- %.0f", m.get("score").asDouble(), m.get("scoreError").asDouble());
      rows.computeIfAbsent(key, k -> new String[2])[r.get("benchmark").asText().endsWith("trainStep") ? 1 : 0] = cell;
    }
    rows.forEach((k, v) -> md.append(k).append(' ').append(v[0]).append(" | ").append(v[1]).append(" |\n"));
    // The allocator policy's effect: tuned over glibc defaults, same encoder, 1 thread, same run.
    Map<String, double[]> score = new LinkedHashMap<>();
    for (JsonNode r : runs) {
      JsonNode p = r.get("params");
      if (!p.get("torchThreads").asText().equals("1")) continue;
      String key = p.get("encoder").asText() + (r.get("benchmark").asText().endsWith("trainStep") ? " train step" : " embed");
      score.computeIfAbsent(key, k -> new double[2])[p.get("mallocTune").asText().equals("true") ? 0 : 1] = r.get("primaryMetric").get("score").asDouble();
    }
    md.append("\nAllocator policy (tuned / glibc defaults, 1 thread):");
    score.forEach((k, v) -> {
      if (v[1] > 0) md.append(String.format(Locale.ROOT, " %s %.2fx;", k, v[0] / v[1]));
    });
    md.append("\n");
    md.append("\nvit-g7: ViT, patch 8 (7 x 7 grid), D = 128, 4 pre-norm layers, 4 heads, conv stem 16-32-64 of stride 4 then a 2 x 2 "
        + "patch embedding; vit-g14: patch 4 (14 x 14 grid), the same stem then a 1 x 1 patch embedding; "
        + "cnn: three 3 x 3 conv blocks of 32, 64, 128 channels, global average pool.\n");
    System.out.print(md);
  }
}
