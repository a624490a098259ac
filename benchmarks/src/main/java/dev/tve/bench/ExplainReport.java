package dev.tve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders ExplainBench's JMH JSON files (one per run of the script) as benchmarks/results/explain.md:
 * per explainer configuration the median over runs of embed, explainer-network and explain
 * throughput and of the explain / embed ratio within each run.
 */
public final class ExplainReport {
  private ExplainReport() {}

  public static void main(String[] args) throws IOException {
    Map<String, List<double[]>> runs = new LinkedHashMap<>();      // config -> per run {embed, explain, explainer network}
    for (String file : args) {
      Map<String, double[]> one = new LinkedHashMap<>();
      for (JsonNode r : new ObjectMapper().readTree(Path.of(file).toFile())) {
        JsonNode p = r.get("params");
        String key = p.get("shape").asText() + ", " + (p.has("mixer") ? p.get("mixer").asText() : "2") + " mixer layers"
            + (p.has("objective") && !p.get("objective").asText().equals("window") ? ", " + p.get("objective").asText() : "");
        String bench = r.get("benchmark").asText();
        int col = bench.endsWith(".explain") ? 1 : bench.endsWith(".explainerNetwork") ? 2 : 0;
        one.computeIfAbsent(key, k -> new double[] {Double.NaN, Double.NaN, Double.NaN})[col] = r.get("primaryMetric").get("score").asDouble();
      }
      one.forEach((k, v) -> runs.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    StringBuilder md = new StringBuilder("# Explanation throughput\n\n");
    md.append("Produced by `benchmarks/run-explain.sh` on ").append(LocalDate.now()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores. Batch 64 of 56 x 56 scenes, default ViT (7 x 7, D 128), ")
        .append("one 10-class head, the predicted class, 1 libtorch thread; explain = encoder + explainer + fused projection; "
            + "explainer network = its pass alone (E+ and E-; a Shapley explainer's Phi and zeros). ")
        .append("JMH throughput, 3 x 2 s warm-up, 6 x 2 s measured, per run; the script runs JMH ").append(args.length)
        .append(" times and the table gives medians over the runs (the ratio is taken within each run, then its median).\n\n");
    md.append("| explainer | encoder embed, images/s | explainer network, images/s | explain, images/s | explain / embed | ratio per run |\n"
        + "|---|---:|---:|---:|---:|---|\n");
    runs.forEach((k, v) -> {
      List<Double> embed = new ArrayList<>(), explain = new ArrayList<>(), network = new ArrayList<>(), ratio = new ArrayList<>();
      for (double[] x : v) {
        embed.add(x[0]);
        explain.add(x[1]);
        if (!Double.isNaN(x[2])) network.add(x[2]);
        ratio.add(x[1] / x[0]);
      }
      List<String> each = new ArrayList<>();
      for (double r : ratio) each.add(String.format(Locale.ROOT, "%.2f", r));
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %.0f | %.2f | %s |%n", k, median(embed),
          network.isEmpty() ? "" : String.format(Locale.ROOT, "%.0f", median(network)), median(explain), median(ratio), String.join(", ", each)));
    });
    md.append("\nTargets: explain >= 0.5x embed (issue 21); a Shapley explainer (issue 35) at explain / embed >= 0.41.\n");
    System.out.print(md);
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
