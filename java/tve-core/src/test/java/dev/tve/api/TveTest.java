package dev.tve.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tve.explain.Attribution;
import dev.tve.image.DecodedImage;
import dev.tve.image.ImageDecoder;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.model.ExplainedOutput;
import dev.tve.runtime.ModelFileException;
import dev.tve.runtime.UnknownNameException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry point on the embedded zoo and the shipped samples: every input form, methods, errors, threads. */
class TveTest {
  static Tve tve;
  static Path samples;

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("zoo/scene-vit"))) p = p.getParent();
    return p;
  }

  @BeforeAll
  static void open() {
    tve = Tve.openDefault();
    samples = root().resolve("samples");
  }

  @AfterAll
  static void close() {
    tve.close();
  }

  @Test
  void explainsAFolderAsAStreamWithTveAndOcclusion() {
    List<Explanation> all;
    try (Stream<Explanation> s = tve.explain(samples)) {
      all = s.toList();
    }
    // 16 scenes and 4 photos (scenes.json and LICENSES.md are not images).
    assertThat(all).hasSize(20).allMatch(Explanation::ok);
    assertThat(all.get(0).attributions()).hasSize(1);
    Attribution a = all.get(0).attributions().get(0);
    assertThat(a.head()).isEqualTo("ten-class");
    assertThat(a.raw()).hasSize(49);
    ExplainOptions occ = ExplainOptions.builder().optMethod("occlusion").optHeads("ten-class", "held-out").optTarget("topk:2").build();
    List<Explanation> some;
    try (Stream<Explanation> s = tve.explain(List.of(samples.resolve("scene-00.png"), samples.resolve("scene-01.png")), occ)) {
      some = s.toList();
    }
    assertThat(some).hasSize(2);
    assertThat(some.get(0).attributions()).hasSize(4).extracting(Attribution::head).containsExactly("ten-class", "ten-class", "held-out", "held-out");
  }

  @Test
  void linearHeadsExplainedTogetherInOneKernelCallGiveEachHeadsOwnMaps() {
    // ten-class, held-out and shuffled-labels are linear (one stacked kernel call); coarse is an MLP.
    List<String> all = List.of("ten-class", "coarse", "held-out", "shuffled-labels");
    List<Attribution> together;
    try (Stream<Explanation> s = tve.explain(List.of(samples.resolve("scene-00.png"), samples.resolve("scene-01.png")),
        ExplainOptions.builder().optHeads(all.toArray(new String[0])).optTarget("all").build())) {
      together = s.flatMap(e -> e.attributions().stream()).toList();
    }
    assertThat(together).hasSize(2 * (10 + 4 + 2 + 10));
    for (String head : all) {
      List<Attribution> alone;
      try (Stream<Explanation> s = tve.explain(List.of(samples.resolve("scene-00.png"), samples.resolve("scene-01.png")),
          ExplainOptions.builder().optHeads(head).optTarget("all").build())) {
        alone = s.flatMap(e -> e.attributions().stream()).toList();
      }
      List<Attribution> mine = together.stream().filter(a -> a.head().equals(head)).toList();
      assertThat(mine).hasSameSizeAs(alone);
      for (int i = 0; i < alone.size(); i++) {
        assertThat(mine.get(i).target()).isEqualTo(alone.get(i).target());
        assertThat(mine.get(i).raw()).as(head + " " + i).containsExactly(alone.get(i).raw());
        assertThat(mine.get(i).map()).containsExactly(alone.get(i).map());
      }
    }
  }

  @Test
  void everyInputFormGivesTheSameMaps() throws Exception {
    Path file = samples.resolve("scene-03.png");
    Attribution fromPath;
    try (Stream<Explanation> s = tve.explain(file)) {
      fromPath = s.findFirst().orElseThrow().attributions().get(0);
    }
    Explanation fromBytes = tve.explain("s3://bucket/scene-03.png", Files.readAllBytes(file), ExplainOptions.defaults());
    assertThat(fromBytes.source()).isEqualTo("s3://bucket/scene-03.png");
    assertThat(fromBytes.attributions().get(0).raw()).containsExactly(fromPath.raw());
    DecodedImage img = ImageDecoder.create().decode(file);
    assertThat(tve.explain("decoded", img, ExplainOptions.defaults()).attributions().get(0).raw()).containsExactly(fromPath.raw());
    float[] x = tve.preprocessing().apply(img);
    assertThat(tve.explain(x, 1, ExplainOptions.defaults()).get(0).raw()).containsExactly(fromPath.raw());
  }

  @Test
  void aBadImageIsAnErrorExplanationAndTheRestGoOn(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("broken.png"), "not a png");
    Files.copy(samples.resolve("scene-00.png"), dir.resolve("good.png"));
    List<Explanation> out;
    try (Stream<Explanation> s = tve.explain(List.of(dir, dir.resolve("missing.png")), ExplainOptions.defaults())) {
      out = s.toList();
    }
    assertThat(out).hasSize(3);
    assertThat(out.stream().filter(Explanation::ok).count()).isEqualTo(1);
    assertThat(out.stream().filter(e -> !e.ok()).map(Explanation::source).collect(Collectors.toList()))
        .anyMatch(n -> n.endsWith("broken.png")).anyMatch(n -> n.endsWith("missing.png"));
    List<Explanation> bytes = tve.explainEncoded(List.of(new EncodedImage("junk", new byte[] {1, 2, 3}),
        new EncodedImage("good", Files.readAllBytes(dir.resolve("good.png")))), ExplainOptions.defaults());
    assertThat(bytes.get(0).ok()).isFalse();
    assertThat(bytes.get(0).error()).isNotBlank();
    assertThat(bytes.get(1).ok()).isTrue();
  }

  @Test
  void theExplainedOutputIsAnOption() {
    float[] x = tve.preprocessing().apply(decode(samples.resolve("scene-05.png")));
    ExplainOptions logit = ExplainOptions.builder().optMethod("occlusion").build();
    ExplainOptions prob = ExplainOptions.builder().optMethod("occlusion").optOutput(ExplainedOutput.PROBABILITY).build();
    float[] l = tve.explain(x, 1, logit).get(0).raw(), p = tve.explain(x, 1, prob).get(0).raw();
    assertThat(l).isNotEqualTo(p);
    assertThat(tve.explainer(prob).parameters()).containsEntry("output", "probability");
    assertThat(tve.explainer(logit).parameters()).containsEntry("output", "logit");
  }

  static DecodedImage decode(Path p) {
    try {
      return ImageDecoder.create().decode(p);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void unknownMethodsAndHeadsAreTypedErrorsNamingThem() {
    assertThatThrownBy(() -> tve.explain(new float[56 * 56], 1, ExplainOptions.builder().optMethod("lime").build()))
        .isInstanceOf(UnknownNameException.class).hasMessageContaining("lime").hasMessageContaining("occlusion");
    assertThatThrownBy(() -> tve.explain(new float[56 * 56], 1, ExplainOptions.builder().optHeads("nope").build()))
        .isInstanceOf(UnknownNameException.class).hasMessageContaining("nope").hasMessageContaining("ten-class");
  }

  @Test
  void badModelFoldersAreTypedErrorsNamingTheFile(@TempDir Path dir) throws Exception {
    Path zoo = root().resolve("zoo");
    assertThatThrownBy(() -> Tve.open(dir.resolve("nowhere"), null)).isInstanceOf(ModelFileException.class).hasMessageContaining("nowhere");
    // Weights that do not match the card.
    Path model = copy(zoo.resolve("scene-vit"), dir.resolve("m1"));
    byte[] w = Files.readAllBytes(model.resolve("encoder.pt"));
    w[w.length / 2] ^= 1;
    Files.write(model.resolve("encoder.pt"), w);
    assertThatThrownBy(() -> Tve.open(model, null)).isInstanceOf(ModelFileException.class)
        .satisfies(e -> assertThat(((ModelFileException) e).file().getFileName().toString()).isEqualTo("encoder.pt"))
        .hasMessageContaining("SHA-256");
    // A head whose D differs from the encoder's.
    Path m2 = copy(zoo.resolve("scene-vit"), dir.resolve("m2"));
    Npy.write(m2.resolve("ten-class.w.npy"), NpyArray.ofFloats(new float[10 * 64], 10, 64));
    Files.writeString(m2.resolve("ten-class.head.json"), Files.readString(m2.resolve("ten-class.head.json")).replace("\"dim\" : 128", "\"dim\" : 64"));
    // Its card re-hashed, as a head saved that way would be: the D check is what refuses it.
    com.fasterxml.jackson.databind.node.ObjectNode card = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(m2.resolve("ten-class.head.json").toFile());
    card.remove("files");
    card.remove("weightsSha256");
    new com.fasterxml.jackson.databind.ObjectMapper().writeValue(m2.resolve("ten-class.head.json").toFile(), card);
    dev.tve.model.Heads.rehash(m2);
    assertThatThrownBy(() -> Tve.open(m2, null)).isInstanceOf(ModelFileException.class).hasMessageContaining("ten-class")
        .hasMessageContaining("D=64");
    // An explainer pre-trained against other encoder weights.
    Path m3 = copy(zoo.resolve("scene-vit"), dir.resolve("m3"));
    Path ex = copy(zoo.resolve("explainer"), dir.resolve("ex"));
    Files.writeString(ex.resolve("explainer.card.json"),
        Files.readString(ex.resolve("explainer.card.json")).replaceFirst("\"encoderWeightsSha256\" : \"[0-9a-f]+\"", "\"encoderWeightsSha256\" : \"00\""));
    assertThatThrownBy(() -> Tve.open(m3, ex)).isInstanceOf(ModelFileException.class).hasMessageContaining("pre-trained against");
    // A TVE request without an explainer.
    try (Tve noExplainer = Tve.open(m3, null)) {
      assertThatThrownBy(() -> noExplainer.explain(new float[56 * 56], 1, ExplainOptions.defaults())).hasMessageContaining("needs a TVE explainer");
      assertThat(noExplainer.explain(new float[56 * 56], 1, ExplainOptions.builder().optMethod("saliency").build())).hasSize(1);
    }
    // Nothing written by any of it.
    try (Stream<Path> s = Files.walk(dir)) {
      assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isZero();
    }
  }

  static Path copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    return to;
  }

  @Test
  void isThreadSafe() throws Exception {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 8; i++) files.add(samples.resolve(String.format("scene-%02d.png", i)));
    ExplainOptions o = ExplainOptions.builder().optMethod("tve").optBatchSize(3).build();
    List<float[]> alone = new ArrayList<>();
    try (Stream<Explanation> s = tve.explain(files, o)) {
      s.forEach(e -> alone.add(e.attributions().get(0).raw()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<float[]>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(pool.submit(() -> {
          List<float[]> got = new ArrayList<>();
          for (int rep = 0; rep < 5; rep++) {
            try (Stream<Explanation> s = tve.explain(files, o)) {
              got.clear();
              s.forEach(e -> got.add(e.attributions().get(0).raw()));
            }
          }
          return got;
        }));
      }
      for (Future<List<float[]>> f : runs) {
        List<float[]> got = f.get();
        for (int i = 0; i < alone.size(); i++) assertThat(got.get(i)).containsExactly(alone.get(i));
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aClosedTveRefusesWork() {
    Tve t = Tve.openDefault();
    t.close();
    t.close();
    assertThatThrownBy(() -> t.explain(new float[56 * 56], 1, ExplainOptions.defaults())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeDuringCallsEndsThemWithIllegalStateExceptionOnly() throws Exception {
    Tve t = Tve.openDefault();
    byte[] bytes = Files.readAllBytes(samples.resolve("scene-03.png"));
    float[] x = t.preprocessing().apply(ImageDecoder.create().decode(samples.resolve("scene-03.png")));
    String[] methods = {"tve", "saliency", "occlusion"};
    ExecutorService pool = Executors.newFixedThreadPool(4);
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
    try {
      List<Future<Throwable>> runs = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        int thread = k;
        runs.add(pool.submit(() -> {
          ExplainOptions o = ExplainOptions.builder().optMethod(methods[thread % methods.length]).build();
          started.countDown();
          try {
            for (int i = 0; i < 100_000; i++) {
              if (i % 2 == 0) t.explain(x, 1, o);
              else t.explain("scene-03.png", bytes, o);
            }
            return new AssertionError("never refused");
          } catch (Throwable e) {
            return e;
          }
        }));
      }
      started.await();
      Thread.sleep(300);
      t.close();
      for (Future<Throwable> f : runs) {
        Throwable e = f.get();
        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void theDeviceIsAChoiceCpuExplainsAsAutoAndCudaIsRefusedWhereItCannotRun() {
    float[] x = tve.preprocessing().apply(decodeSample("scene-02.png"));
    float[] auto = tve.explain(x.clone(), 1, ExplainOptions.defaults()).get(0).raw();
    try (Tve cpu = Tve.builder().optDevice(Device.CPU).build()) {
      assertThat(cpu.device()).isEqualTo(Device.CPU);
      assertThat(cpu.explain(x.clone(), 1, ExplainOptions.defaults()).get(0).raw()).containsExactly(auto);
    }
    boolean canRun = dev.tve.kernel.NativeKernel.cudaCompiled() && !dev.tve.kernel.CudaDevices.list().isEmpty();
    if (canRun) {
      try (Tve cuda = Tve.builder().optDevice(Device.CUDA).build()) {
        float[] got = cuda.explain(x.clone(), 1, ExplainOptions.defaults()).get(0).raw();
        for (int i = 0; i < got.length; i++) assertThat(got[i]).isCloseTo(auto[i], org.assertj.core.api.Assertions.within(1e-3f * (1 + Math.abs(auto[i]))));
      }
    } else {
      assertThatThrownBy(() -> Tve.builder().optDevice(Device.CUDA).build()).isInstanceOf(RuntimeException.class).hasMessageContaining("CUDA");
    }
  }

  static DecodedImage decodeSample(String name) {
    try {
      return ImageDecoder.create().decode(samples.resolve(name));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
