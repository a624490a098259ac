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
    JsonNode runs = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    StringBuilder md = new StringBuilder("# Encoder embedding throughput\n\n");
    md.append("Produced by `benchmarks/run-embedding.sh` on ").append(LocalDate.now()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores. Batch 64 of 56 x 56 gray scenes. embed: eval mode, ")
        .append("no gradients; train step: forward, backward and AdamW with a 10-class head. JMH throughput, 3 x 2 s warm-up, ")
        .append("5 x 2 s measured; +- is JMH's 99.9 % error.\n\n");
    md.append("| encoder | libtorch threads | embed, images/s | train step, images/s |\n|---|---:|---:|---:|\n");
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (JsonNode r : runs) {
      JsonNode p = r.get("params"), m = r.get("primaryMetric");
      String key = "| " + p.get("encoder").asText() + " | " + p.get("torchThreads").asText() + " |";
      String cell = String.format(Locale.ROOT, "%.0f +- %.0f", m.get("score").asDouble(), m.get("scoreError").asDouble());
      rows.computeIfAbsent(key, k -> new String[2])[r.get("benchmark").asText().endsWith("trainStep") ? 1 : 0] = cell;
    }
    rows.forEach((k, v) -> md.append(k).append(' ').append(v[0]).append(" | ").append(v[1]).append(" |\n"));
    md.append("\nvit-g7: ViT, patch 8 (7 x 7 grid), D = 128, 4 pre-norm layers, 4 heads, conv stem 16-32-64 of stride 4 then a 2 x 2 "
        + "patch embedding; vit-g14: patch 4 (14 x 14 grid), the same stem then a 1 x 1 patch embedding; "
        + "cnn: three 3 x 3 conv blocks of 32, 64, 128 channels, global average pool.\n");
    System.out.print(md);
  }
}
