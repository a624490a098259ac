package dev.tve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;

/** Renders EmbeddingBench's JMH JSON as the markdown table of benchmarks/results/embedding.md. */
public final class EmbeddingReport {
  private EmbeddingReport() {}

  public static void main(String[] args) throws IOException {
    JsonNode runs = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    StringBuilder md = new StringBuilder("# Encoder embedding throughput\n\n");
    md.append("Produced by `benchmarks/run-embedding.sh` on ").append(LocalDate.now()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores. Batch 64 of 56 x 56 gray scenes, eval mode, ")
        .append("no gradients; JMH throughput, 2 x 2 s warm-up, 4 x 2 s measured; +- is JMH's 99.9 % error.\n\n");
    md.append("| encoder | libtorch threads | images/s |\n|---|---:|---:|\n");
    for (JsonNode r : runs) {
      JsonNode p = r.get("params"), m = r.get("primaryMetric");
      md.append(String.format(Locale.ROOT, "| %s | %s | %.0f +- %.0f |%n", p.get("encoder").asText(),
          p.get("torchThreads").asText(), m.get("score").asDouble(), m.get("scoreError").asDouble()));
    }
    md.append("\nvit-g7: ViT, patch 8 (7 x 7 grid), D = 128, 4 layers, 4 heads, conv stem; vit-g8: patch 7 (8 x 8 grid); "
        + "cnn: three 3 x 3 conv blocks of 32, 64, 128 channels, global average pool.\n");
    System.out.print(md);
  }
}
