package dev.tve.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tve.api.ExplainOptions;
import dev.tve.api.Tve;
import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on the shipped zoo and samples: order, non-finite maps, sink failures. */
class BatchPipelineTest {
  static Tve tve;
  static Path samples;

  @BeforeAll
  static void open() {
    tve = Tve.openDefault();
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("samples"))) p = p.getParent();
    samples = p.resolve("samples");
  }

  @AfterAll
  static void close() {
    tve.close();
  }

  /** {@code e} with its maps passed through {@code change} (which may also throw). */
  static Explainer changed(Explainer e, java.util.function.UnaryOperator<float[][]> change) {
    return new Explainer() {
      public String name() { return e.name(); }
      public int grid() { return e.grid(); }
      public ExplainedOutput output() { return e.output(); }
      public Encoder encoder() { return e.encoder(); }
      public long forwardPasses() { return e.forwardPasses(); }
      public Map<String, Object> parameters() { return e.parameters(); }
      public float[][] attribute(Images images, Head head, int[] targets, int[] foils) {
        return change.apply(e.attribute(images, head, targets, foils));
      }
    };
  }

  /** The explainer with NaN in the first map of every batch: a model that went wrong. */
  static Explainer nanFirst(Explainer e) {
    return changed(e, m -> {
      m[0][0] = Float.NaN;
      return m;
    });
  }

  @Test
  void aNonFiniteMapFailsItsFileWithAReasonAndNoNaNReachesTheManifest(@TempDir Path out) throws Exception {
    Explainer bad = nanFirst(tve.explainer(ExplainOptions.builder().optMethod("intensity").build()));
    List<BatchPipeline.Failure> failures = new ArrayList<>();
    ExplainRun.Summary s = ExplainRun.builder(bad, tve.preprocessing(), List.of(tve.defaultHead()), out).optBatchSize(8)
        .optFailure(failures::add).build().run(List.of(samples));
    assertThat(s.failed()).isEqualTo(3);                      // 20 images in batches of 8: the first of each
    assertThat(s.explained()).isEqualTo(17);
    assertThat(failures).allMatch(f -> f.reason().contains("NaN"));
    String manifest = Files.readString(out.resolve(ExplainRun.MANIFEST));
    assertThat(manifest).doesNotContain("\"NaN\"").doesNotContain(":NaN");
  }

  @Test
  void resultsReachTheSinkInInputOrderWhateverTheDecodeThreads(@TempDir Path out) throws Exception {
    Explainer e = tve.explainer(ExplainOptions.builder().optMethod("intensity").build());
    List<String> order = new ArrayList<>();
    List<String> walked = new ArrayList<>();
    InputFiles.walk(List.of(samples), it -> walked.add(it.key()));
    ResultSink sink = new ResultSink() {
      public boolean isDone(InputFiles.Item item) { return false; }
      public void done(ImageResult r) { order.add(r.key()); }
      public void failed(String key, String reason) { order.add(key); }
    };
    BatchPipeline.Counts c = BatchPipeline.builder(e, tve.preprocessing(), List.of(tve.defaultHead())).optBatchSize(3).optDecodeThreads(3)
        .optQueueDepth(1).build().run(List.of(samples), sink);
    assertThat(c.done()).isEqualTo(20);
    assertThat(order).containsExactlyElementsOf(walked);
  }

  @Test
  void anExplainerThatFailsStopsTheRunWithItsErrorInsteadOfHanging(@TempDir Path out) throws Exception {
    // Before: the walking thread waited forever to hand over a batch nobody would take (seen with an
    // OutOfMemoryError under -Xmx64m).
    Explainer e = tve.explainer(ExplainOptions.builder().optMethod("intensity").build());
    int[] calls = {0};
    Explainer failing = changed(e, m -> {
      if (++calls[0] == 2) throw new OutOfMemoryError("simulated");
      return m;
    });
    ResultSink sink = new ResultSink() {
      public boolean isDone(InputFiles.Item item) { return false; }
      public void done(ImageResult r) {}
      public void failed(String key, String reason) {}
    };
    java.util.concurrent.Future<?> f = java.util.concurrent.Executors.newSingleThreadExecutor().submit(() ->
        BatchPipeline.builder(failing, tve.preprocessing(), List.of(tve.defaultHead())).optBatchSize(1).optQueueDepth(1).build()
            .run(List.of(samples), sink));
    assertThatThrownBy(() -> f.get(60, java.util.concurrent.TimeUnit.SECONDS)).hasCauseInstanceOf(OutOfMemoryError.class)
        .hasMessageContaining("simulated");
  }

  @Test
  void aSinkThatCannotWriteStopsTheRunWithItsErrorAndNoThreadIsLeftBehind(@TempDir Path out) throws Exception {
    Explainer e = tve.explainer(ExplainOptions.builder().optMethod("intensity").build());
    int[] written = {0};
    ResultSink sink = new ResultSink() {
      public boolean isDone(InputFiles.Item item) { return false; }
      public void done(ImageResult r) throws IOException {
        if (++written[0] == 5) throw new IOException("disk full");
      }
      public void failed(String key, String reason) {}
    };
    long threads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tve-")).count();
    assertThatThrownBy(() -> BatchPipeline.builder(e, tve.preprocessing(), List.of(tve.defaultHead())).optBatchSize(2).optDecodeThreads(2)
        .build().run(List.of(samples), sink)).isInstanceOf(IOException.class).hasMessage("disk full");
    Thread.sleep(300);
    assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tve-") && t.isAlive()).count()).isEqualTo(threads);
  }
}
