package dev.tve.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.explain.Attribution;
import dev.tve.image.DecodedImage;
import dev.tve.image.ImageBatch;
import dev.tve.image.ImageDecoder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Every entry point of one {@link Tve}, with forward-only and gradient methods, from many threads on a
 * small heap (this class runs in its own JVM at -Xmx96m, see tve-core's pom): every map must equal, bit
 * for bit, the map the float[] entry point gives the same image on one thread. Garbage collection runs
 * all the time at this heap, so native memory the collector may free while libtorch reads it shows up as
 * differing maps. {@code tve.stress.threads} and {@code tve.stress.calls} (per thread) size it;
 * {@code benchmarks/run-stress.sh} runs the long form.
 */
class TveStressTest {
  enum Entry { FLOATS, HEAP_BUFFER, DIRECT_BUFFER, TENSOR, DECODED, BYTES, ENCODED, FILE }

  // TVE weighs most (the headline method, the fastest); the gradient methods run beside it on purpose.
  static final String[] METHODS = {"tve", "saliency", "tve", "grad-cam", "tve", "occlusion", "tve", "integrated-gradients", "tve", "kernel-shap"};
  // Small budgets: the test is about memory and threads, not about the methods' quality.
  static final dev.tve.explain.MethodSettings BUDGETS = dev.tve.explain.MethodSettings.builder().optNSteps(4).optSamples(64).build();

  @Test
  void everyEntryPointGivesTheFloatPathsMapsOnManyThreads() throws Exception {
    int threads = Integer.getInteger("tve.stress.threads", 8), calls = Integer.getInteger("tve.stress.calls", 200);
    Path root = TveTest.root();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 4; i++) files.add(root.resolve(String.format("samples/scene-%02d.png", i)));
    List<byte[]> bytes = new ArrayList<>();
    for (Path f : files) bytes.add(Files.readAllBytes(f));
    ImageDecoder decoder = ImageDecoder.create();
    try (Tve tve = Tve.openDefault()) {
      List<DecodedImage> decoded = new ArrayList<>();
      List<float[]> floats = new ArrayList<>();
      for (Path f : files) {
        DecodedImage d = decoder.decode(f);
        decoded.add(d);
        floats.add(tve.preprocessing().apply(d));
      }
      Map<String, float[]> expected = new HashMap<>();
      for (String m : METHODS) {
        for (int i = 0; i < files.size(); i++) {
          expected.put(m + "|" + i, call(tve, Entry.FLOATS, m, i, files, bytes, decoded, floats));
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<List<String>>> runs = new ArrayList<>();
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> counts = new java.util.concurrent.ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          runs.add(pool.submit(() -> {
            List<String> wrong = new ArrayList<>();
            java.util.SplittableRandom r = new java.util.SplittableRandom(thread);
            for (int c = 0; c < calls; c++) {
              Entry entry = Entry.values()[r.nextInt(Entry.values().length)];
              String method = METHODS[r.nextInt(METHODS.length)];
              int image = r.nextInt(files.size());
              float[] want = expected.get(method + "|" + image);
              counts.computeIfAbsent(entry + "|" + method, k -> new java.util.concurrent.atomic.LongAdder()).increment();
              try {
                float[] got = call(tve, entry, method, image, files, bytes, decoded, floats);
                if (!java.util.Arrays.equals(got, want)) wrong.add(entry + " " + method + " image " + image + ": max difference " + maxDiff(got, want));
              } catch (RuntimeException e) {
                wrong.add(entry + " " + method + " image " + image + ": " + e);
              }
            }
            return wrong;
          }));
        }
        List<String> wrong = new ArrayList<>();
        for (Future<List<String>> f : runs) wrong.addAll(f.get());
        String report = System.getProperty("tve.stress.report");
        if (report != null) writeReport(Path.of(report), threads, calls, (System.nanoTime() - t0) / 1e9, counts, wrong);
        assertThat(wrong).as("calls whose map differs from the single-threaded float[] one, of %d", threads * calls).isEmpty();
      } finally {
        pool.shutdown();
      }
    }
  }

  static float[] call(Tve tve, Entry entry, String method, int i, List<Path> files, List<byte[]> bytes, List<DecodedImage> decoded,
      List<float[]> floats) {
    ExplainOptions o = ExplainOptions.builder().optMethod(method).optSettings(BUDGETS).build();
    String name = files.get(i).getFileName().toString();
    return switch (entry) {
      case FLOATS -> first(tve.explain(floats.get(i).clone(), 1, o));
      case HEAP_BUFFER -> first(tve.explain(FloatBuffer.wrap(floats.get(i).clone()), 1, o));
      case DIRECT_BUFFER -> {
        FloatBuffer b = ImageBatch.allocate(1, tve.preprocessing().channels(), tve.preprocessing().height(), tve.preprocessing().width());
        b.put(floats.get(i)).flip();
        yield first(tve.explain(b, 1, o));
      }
      case TENSOR -> {
        try (PointerScope scope = new PointerScope()) {
          float[] x = floats.get(i);
          int s = tve.preprocessing().height();
          Tensor t = torch.from_blob(new FloatPointer(x), new long[] {1, tve.preprocessing().channels(), s, s},
              new TensorOptions(torch.ScalarType.Float));
          yield first(tve.explain(t, o));
        }
      }
      case DECODED -> first(tve.explain(name, decoded.get(i), o));
      case BYTES -> first(tve.explain(name, bytes.get(i), o));
      case ENCODED -> first(tve.explainEncoded(List.of(new EncodedImage(name, bytes.get(i))), o).get(0));
      case FILE -> {
        try (Stream<Explanation> s = tve.explain(List.of(files.get(i)), o)) {
          yield first(s.toList().get(0));
        }
      }
    };
  }

  /** The long form's record (benchmarks/run-stress.sh): calls per entry point and method, and the differing ones. */
  static void writeReport(Path file, int threads, int calls, double seconds, Map<String, java.util.concurrent.atomic.LongAdder> counts,
      List<String> wrong) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    b.append(String.format(java.util.Locale.ROOT, "threads %d, calls per thread %d, heap %d MiB, %.0f s; calls whose map differs from the "
        + "single-threaded float[] one: %d of %d%n%n", threads, calls, Runtime.getRuntime().maxMemory() >> 20, seconds, wrong.size(), threads * calls));
    b.append("| entry point | method | calls | differing |\n|---|---|---:|---:|\n");
    new java.util.TreeMap<>(counts).forEach((k, v) -> {
      String[] em = k.split("\\|");
      long bad = wrong.stream().filter(w -> w.startsWith(em[0] + " " + em[1] + " ")).count();
      b.append("| ").append(em[0].toLowerCase(java.util.Locale.ROOT)).append(" | ").append(em[1]).append(" | ").append(v.sum()).append(" | ")
          .append(bad).append(" |\n");
    });
    for (String w : wrong.subList(0, Math.min(20, wrong.size()))) b.append("\n- ").append(w);
    Files.writeString(file, b.toString());
  }

  static float[] first(Explanation e) {
    if (!e.ok()) throw new IllegalStateException(e.error());
    return first(e.attributions());
  }

  static float[] first(List<Attribution> a) {
    if (a.isEmpty()) throw new AssertionError("no attribution");
    return a.get(0).raw();
  }

  static double maxDiff(float[] a, float[] b) {
    if (a == null || b == null || a.length != b.length) return Double.NaN;
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
    return m;
  }
}
