package dev.tve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link ProjectionBench} and writes the results table (markdown) with ratios measured in the
 * same run.
 *
 * <pre>
 * benchmarks/run-projection.sh [--quick] [OUT.md]
 * </pre>
 */
public final class ProjectionSuite {
  private ProjectionSuite() {}

  public static void main(String[] args) throws RunnerException, IOException {
    boolean quick = false;
    Path out = Path.of("benchmarks/results/projection.md");
    String only = "";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) quick = true;
      else if (args[i].equals("--only")) only = args[++i];  // a regex of benchmark methods, e.g. 'cppPaired.*|cppCallOverhead'
      else out = Path.of(args[i]);
    }
    OptionsBuilder ob = new OptionsBuilder();
    ob.include(ProjectionBench.class.getName() + "\\." + (only.isEmpty() ? "" : "(" + only + ")$"));
    if (quick) {
      ob.warmupIterations(1).warmupTime(TimeValue.milliseconds(500)).measurementIterations(2)
          .measurementTime(TimeValue.milliseconds(500)).forks(1);
    }
    Options opts = ob.build();
    Collection<RunResult> results = new Runner(opts).run();
    String md = table(results, quick);
    Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".projection", ".md");
    Files.writeString(tmp, md);
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.println(md);
    System.out.println("written: " + out);
  }

  /** One row: contender label -> ns/image with its error. */
  record Score(double ns, double error) {}

  static String table(Collection<RunResult> results, boolean quick) {
    Map<String, Map<String, Score>> byShape = new LinkedHashMap<>();
    double triadNs = Double.NaN, triadErr = Double.NaN, dramNs = Double.NaN, dramErr = Double.NaN;
    Map<String, Double> paired = new LinkedHashMap<>(), pairedRaw = new LinkedHashMap<>();
    double callNs = Double.NaN, callErr = Double.NaN;
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      double score = r.getPrimaryResult().getScore(), err = r.getPrimaryResult().getScoreError();
      if (method.equals("cppTriad")) {
        triadNs = score;
        triadErr = err;
        continue;
      }
      if (method.equals("cppPairedKernelAndFloor") || method.equals("cppPairedRawAndFloor")) {
        String shape = r.getParams().getParam("shape");
        double k = r.getSecondaryResults().get("kernelNs").getScore();
        double f = r.getSecondaryResults().get("floorNs").getScore();
        (method.equals("cppPairedRawAndFloor") ? pairedRaw : paired).put(shape, f / k);
        continue;
      }
      if (method.equals("cppCallOverhead")) {
        callNs = score;
        callErr = err;
        continue;
      }
      if (method.equals("cppReadFloorDram")) {
        dramNs = score;
        dramErr = err;
        continue;
      }
      String shape = r.getParams().getParam("shape");
      String label;
      switch (method) {
        case "cppKernel":
          label = "C++ kernel, " + r.getParams().getParam("isa").toLowerCase(Locale.ROOT) + ", 2 threads";
          break;
        case "cppKernelInto":
          label = "C++ kernel, auto ISA, 2 threads, projectInto caller's direct buffer";
          break;
        case "libtorchGatherBmm":
          label = "libtorch index_select + bmm + post-ops, " + r.getParams().getParam("torchThreads") + " thread(s)";
          break;
        case "libtorchFullHead":
          label = "libtorch full head (reference code's way) + gather, " + r.getParams().getParam("torchThreads") + " thread(s)";
          break;
        case "javaReference":
          label = "Java reference (double accumulation, 1 thread)";
          break;
        case "cppReadFloor":
          label = "read floor: sum of E+ and E- (AVX-512, 8 streams and accumulators, 2 threads)";
          break;
        default:
          label = method;
      }
      byShape.computeIfAbsent(shape, k -> new LinkedHashMap<>()).put(label, new Score(score, err));
    }
    double triadBytes = 3.0 * ProjectionBench.Triad.N * 4;
    double triadGbs = triadBytes / triadNs;
    StringBuilder md = new StringBuilder();
    md.append("# Projection kernel benchmark\n\n");
    md.append("Produced by `benchmarks/run-projection.sh").append(quick ? " --quick" : "").append("` on ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE)).append(", ")
        .append(cpu()).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
        .append(System.getProperty("java.version")).append(". JMH average time, ")
        .append(quick ? "1 x 0.5 s warm-up, 2 x 0.5 s measured, 1 fork per row" : "2 x 1 s warm-up, 4 x 1 s measured, 2 forks per row")
        .append("; +- is JMH's 99.9 % error. Ratios are between rows of this one run.\n\n");
    md.append(String.format(Locale.ROOT, "STREAM triad (a = b + s c, 3 x 64 MiB, 2 threads): %.1f GB/s (%.2f ms +- %.2f).%n%n",
        triadGbs, triadNs / 1e6, triadErr / 1e6));
    double dramGbs = 2.0 * ProjectionBench.LargeFloor.N * 4 / dramNs;
    md.append(String.format(Locale.ROOT, "Read floor over 2 x 308 MB (beyond any cache, 2 threads): %.1f GB/s (%.1f ms +- %.1f).",
        dramGbs, dramNs / 1e6, dramErr / 1e6));
    Score paperFloor = byShape.containsKey("PAPER") ? find(byShape.get("PAPER"), "read floor") : null;
    if (paperFloor != null) {
      double paperGbs = ProjectionBench.Shape.PAPER.eBytesPerImage() / paperFloor.ns;
      md.append(String.format(Locale.ROOT, paperGbs > 1.1 * dramGbs
          ? " The same floor over the paper shape's 77 MB reads %.1f GB/s: this machine's last-level cache is large enough to serve part of it.%n%n"
          : " The same floor over the paper shape's 77 MB reads %.1f GB/s: that shape is DRAM-bound here.%n%n", paperGbs));
    } else {
      md.append(String.format("%n%n"));
    }
    if (!Double.isNaN(callNs)) {
      md.append(String.format(Locale.ROOT, "Per-call overhead: %.0f ns +- %.0f per call (projectInto on 1 image, 1 patch, "
          + "D = 16, no post-processing, auto ISA, 2 threads asked for: a call this small runs on the calling thread; JNI, the argument block, the result check).%n%n",
          callNs, callErr));
    }
    for (Map.Entry<String, Map<String, Score>> e : byShape.entrySet()) {
      ProjectionBench.Shape shape = ProjectionBench.Shape.valueOf(e.getKey());
      double bytes = shape.eBytesPerImage();
      md.append(String.format(Locale.ROOT, "## %s: B=64, P=%d (%dx%d), D=%d, C=%d, K=1, lambda- on, reference normalisation, smoothing radius %d%n%n",
          shape == ProjectionBench.Shape.PAPER ? "Paper shape" : "Embedded-default shape", shape.patches(), shape.grid,
          shape.grid, shape.dim, shape.classes, shape.smooth));
      md.append(String.format(Locale.ROOT, "E+ and E- per batch: %.1f MB%s. GB/s = bytes of E+ and E- / time.%n%n",
          bytes * 64 / 1e6, shape == ProjectionBench.Shape.SMALL ? " (fits in the L3 cache: these rates are cache, not memory, bandwidth)"
              : " (memory-bound: the floor is the read of these bytes)"));
      Map<String, Score> rows = e.getValue();
      Score floor = find(rows, "read floor");
      Score best = bestOf(rows, "C++ kernel");
      Score torch = bestOf(rows, "libtorch index_select");
      md.append("| contender | ns/image | GB/s | bandwidth vs the read floor row (unpaired) | best C++ row is x faster (unpaired) |\n");
      md.append("|---|---:|---:|---:|---:|\n");
      for (Map.Entry<String, Score> row : rows.entrySet()) {
        Score s = row.getValue();
        md.append(String.format(Locale.ROOT, "| %s | %.0f +- %.0f | %.1f | %.2f | %.2f |%n", row.getKey(), s.ns, s.error,
            bytes / s.ns, floor == null ? Double.NaN : floor.ns / s.ns, best == null ? Double.NaN : s.ns / best.ns));
      }
      if (paired.containsKey(e.getKey())) {
        md.append(String.format(Locale.ROOT,
            "%n**Kernel vs read floor, paired: %.2f x the floor's bandwidth.** (Each invocation runs the kernel "
            + "(auto ISA, projectInto) and then the floor on the same buffers; the ratio is of their total times. "
            + "The unpaired rows above ran in separate forks minutes apart, so a ratio between them also carries "
            + "the machine's bandwidth drift%s.)%n",
            paired.get(e.getKey()), floor != null && best != null
                ? String.format(Locale.ROOT, ": unpaired, best C++ row / floor row = %.2f", floor.ns / best.ns) : ""));
      }
      if (pairedRaw.containsKey(e.getKey())) {
        md.append(String.format(Locale.ROOT,
            "%nRaw map only (no post-processing), paired the same way: %.2f x the floor's bandwidth.%n%n", pairedRaw.get(e.getKey())));
      }
      if (torch != null && best != null) {
        md.append(String.format(Locale.ROOT,
            "%nBest C++ kernel row: %.2f x faster than the better libtorch index_select + bmm row.%n%n", torch.ns / best.ns));
      }
    }
    return md.toString();
  }

  private static Score find(Map<String, Score> rows, String prefix) {
    for (Map.Entry<String, Score> e : rows.entrySet()) if (e.getKey().startsWith(prefix)) return e.getValue();
    return null;
  }

  private static Score bestOf(Map<String, Score> rows, String prefix) {
    Score best = null;
    for (Map.Entry<String, Score> e : rows.entrySet()) {
      if (e.getKey().startsWith(prefix) && (best == null || e.getValue().ns < best.ns)) best = e.getValue();
    }
    return best;
  }

  private static String cpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) return line.replaceAll(".*:\\s*", "");
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }
}
