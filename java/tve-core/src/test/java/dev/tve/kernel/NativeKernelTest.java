package dev.tve.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class NativeKernelTest {
  private static final Random RANDOM = new Random(42);

  private static ProjectionRequest paperLike(int batch, FloatView ep, FloatView en, float[] w, float[] b) {
    return ProjectionRequest.builder(ep, en, batch, HeadWeights.of(w, b, 10, 64), Targets.same(batch, 3),
        ProjectionOptions.builder(8).optSmoothRadius(1).build()).build();
  }

  @Test
  void aLargeBiasDoesNotCancelInFloat32() {
    // Before: the bias was added to each dot and subtracted again; at bias 1000 the raw maps were off
    // by 3.7e-3 of their size. Now it enters once, as (lambda+ - lambda-) * c: zero here.
    int B = 2, n = B * 64 * 64;
    float[] ep = RandomCase.gaussian(RANDOM, n, 1f), en = RandomCase.gaussian(RANDOM, n, 1f);
    float[] w = RandomCase.gaussian(RANDOM, 640, 0.2f), b = new float[10];
    java.util.Arrays.fill(b, 1000f);
    ProjectionRequest req = paperLike(B, FloatView.of(ep), FloatView.of(en), w, b);
    ProjectionResult ref = new JavaReferenceKernel().project(req);
    Tolerance tol = new Tolerance();
    tol.assertMatches(req, ref, NativeKernel.cpu(Isa.AUTO, 2).project(req), "cpu auto, bias 1000");
    tol.assertMatches(req, ref, NativeKernel.cpu(Isa.SCALAR, 1).project(req), "cpu scalar, bias 1000");
    float[] noBias = new JavaReferenceKernel().project(paperLike(B, FloatView.of(ep), FloatView.of(en), w, new float[10])).raw();
    assertThat(ref.raw()).containsExactly(noBias, org.assertj.core.data.Offset.offset(0f));
  }

  @Test
  void libraryLoadsFromTheJarResourcesAndReportsItsPaths() {
    assertThat(NativeKernel.isAvailable()).as("load error: %s", NativeKernel.loadError()).isTrue();
    assertThat(NativeKernel.supports(Isa.SCALAR)).isTrue();
    assertThat(NativeKernel.version()).isNotBlank();
    assertThat(NativeKernel.defaultThreads()).isPositive();
    assertThat(ProjectionEngine.builder().optBackend(Backend.AUTO).build().kernel().name()).startsWith("cpu/");
  }

  @Test
  void directBuffersAndTensorsAreZeroCopyAndGiveTheArrayResult() {
    int B = 3, n = B * 64 * 64;
    float[] ep = RandomCase.gaussian(RANDOM, n, 1f), en = RandomCase.gaussian(RANDOM, n, 1f);
    float[] w = RandomCase.gaussian(RANDOM, 640, 0.2f), b = RandomCase.gaussian(RANDOM, 10, 1f);
    NativeKernel kernel = NativeKernel.cpu(Isa.AUTO, 2);
    ProjectionResult fromArrays = kernel.project(paperLike(B, FloatView.of(ep), FloatView.of(en), w, b));

    FloatBuffer dp = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(ep);
    FloatBuffer dn = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(en);
    dp.flip();
    dn.flip();
    FloatView vp = FloatView.of(dp);
    assertThat(vp.isZeroCopy()).isTrue();
    ProjectionResult fromBuffers = kernel.project(paperLike(B, vp, FloatView.of(dn), w, b));
    assertThat(fromBuffers.raw()).containsExactly(fromArrays.raw());
    assertThat(fromBuffers.map()).containsExactly(fromArrays.map());

    try (PointerScope scope = new PointerScope()) {
      Tensor tp = torch.from_blob(new org.bytedeco.javacpp.FloatPointer(ep), new long[] {B, 64, 64},
          new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)).clone();
      Tensor tn = torch.from_blob(new org.bytedeco.javacpp.FloatPointer(en), new long[] {B, 64, 64},
          new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Float)).clone();
      FloatView v = FloatView.of(tp);
      assertThat(v.isZeroCopy()).isTrue();
      ProjectionResult fromTensors = kernel.project(paperLike(B, v, FloatView.of(tn), w, b));
      assertThat(fromTensors.raw()).containsExactly(fromArrays.raw());
      assertThatThrownBy(() -> FloatView.of(tp.transpose(1, 2))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("contiguous");
      assertThatThrownBy(() -> FloatView.of(tp.to(torch.ScalarType.Double))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("float32");
    }
  }

  @Test
  void projectIntoWritesCallerBuffersInPlace() {
    int B = 2, n = B * 64 * 64;
    ProjectionRequest req = paperLike(B, FloatView.of(RandomCase.gaussian(RANDOM, n, 1f)),
        FloatView.of(RandomCase.gaussian(RANDOM, n, 1f)), RandomCase.gaussian(RANDOM, 640, 0.2f), null);
    for (ProjectionKernel kernel : List.<ProjectionKernel>of(NativeKernel.cpu(Isa.AUTO, 2), new JavaReferenceKernel())) {
      ProjectionResult expected = kernel.project(req);
      FloatBuffer raw = ByteBuffer.allocateDirect(4 * B * 64).order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer map = FloatBuffer.allocate(B * 64);  // heap: goes through a copy
      kernel.projectInto(req, raw, map);
      float[] r = new float[B * 64], m = new float[B * 64];
      raw.get(r);
      map.get(m);
      assertThat(r).containsExactly(expected.raw());
      assertThat(m).containsExactly(expected.map());
      assertThatThrownBy(() -> kernel.projectInto(req, FloatBuffer.allocate(5), map))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raw").hasMessageContaining("need");
      assertThatThrownBy(() -> kernel.projectInto(req, null, map))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raw");
    }
  }

  @Test
  void eightThreadsAtOnceGiveTheSingleThreadedResults() throws Exception {
    ProjectionEngine engine = ProjectionEngine.builder().optBackend(Backend.CPU).optThreads(2).build();
    List<ProjectionRequest> requests = new ArrayList<>();
    List<ProjectionResult> expected = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      int B = 1 + i % 4, n = B * 64 * 64;
      ProjectionRequest req = paperLike(B, FloatView.of(RandomCase.gaussian(RANDOM, n, 1f)),
          FloatView.of(RandomCase.gaussian(RANDOM, n, 1f)), RandomCase.gaussian(RANDOM, 640, 0.2f), null);
      requests.add(req);
      expected.add(engine.project(req));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int start = t;
        futures.add(pool.submit(() -> {
          for (int rep = 0; rep < 20; rep++) {
            for (int i = 0; i < requests.size(); i++) {
              int j = (i + start) % requests.size();
              ProjectionResult r = engine.project(requests.get(j));
              if (!java.util.Arrays.equals(r.raw(), expected.get(j).raw())
                  || !java.util.Arrays.equals(r.map(), expected.get(j).map())) {
                return false;
              }
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : futures) assertThat(f.get()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void everyTargetFormComesFromOnePassAndMatchesSeparateCalls() {
    int B = 2, D = 33, g = 5, n = B * g * g * D;
    float[] ep = RandomCase.gaussian(RANDOM, n, 1f), en = RandomCase.gaussian(RANDOM, n, 1f);
    HeadWeights tenClass = HeadWeights.of(RandomCase.gaussian(RANDOM, 10 * D, 0.3f), RandomCase.gaussian(RANDOM, 10, 1f), 10, D);
    HeadWeights coarse = HeadWeights.of(RandomCase.gaussian(RANDOM, 4 * D, 0.3f), RandomCase.gaussian(RANDOM, 4, 1f), 4, D);
    HeadStack stack = HeadStack.of(List.of(tenClass, coarse));
    ProjectionOptions opts = ProjectionOptions.builder(g).optNormalization(Normalization.NONE).build();
    NativeKernel kernel = NativeKernel.cpu(Isa.AUTO, 2);
    // Multi-head: (head 0, class 7) and (head 1, class 2) in one call.
    ProjectionResult both = kernel.project(ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B,
        stack.stacked(), Targets.same(B, stack.row(0, 7), stack.row(1, 2)), opts).build());
    ProjectionResult only0 = kernel.project(ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B,
        tenClass, Targets.same(B, 7), opts).build());
    ProjectionResult only1 = kernel.project(ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B,
        coarse, Targets.same(B, 2), opts).build());
    int P = g * g;
    for (int b = 0; b < B; b++) {
      for (int p = 0; p < P; p++) {
        assertThat(both.raw()[(b * 2) * P + p]).isEqualTo(only0.raw()[b * P + p]);
        assertThat(both.raw()[(b * 2 + 1) * P + p]).isEqualTo(only1.raw()[b * P + p]);
      }
    }
    assertThat(stack.headOf(stack.row(1, 2))).isEqualTo(1);
    // All classes: K = C, equal to the reference.
    ProjectionRequest all = ProjectionRequest.builder(FloatView.of(ep), FloatView.of(en), B, tenClass,
        Targets.all(B, 10), opts).build();
    new Tolerance().assertMatches(all, new JavaReferenceKernel().project(all), kernel.project(all), "all classes");
  }

  @Test
  void badInputIsAnIllegalArgumentNamingTheArgument() {
    float[] w = new float[640];
    FloatView e = FloatView.of(new float[2 * 64 * 64]);
    ProjectionOptions opts = ProjectionOptions.builder(8).build();
    HeadWeights head = HeadWeights.of(w, null, 10, 64);
    assertThatThrownBy(() -> ProjectionRequest.builder(FloatView.of(new float[100]), null, 2, head, Targets.same(2, 0), opts).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ePos").hasMessageContaining("dim=64");
    assertThatThrownBy(() -> ProjectionRequest.builder(e, null, 2, head, Targets.same(2, 10), opts).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targets").hasMessageContaining("class 10");
    assertThatThrownBy(() -> ProjectionRequest.builder(e, null, 2, head,
        Targets.contrastive(1, new int[] {0, 1}, new int[] {-1, 12}), opts).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("foils");
    FloatView e3 = FloatView.of(new float[3 * 64 * 64]);
    assertThatThrownBy(() -> ProjectionRequest.builder(e3, null, 3, head, Targets.same(2, 0), opts).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch is 3");
    assertThatThrownBy(() -> ProjectionRequest.builder(null, null, 2, head, Targets.same(2, 0), opts).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both null");
    assertThatThrownBy(() -> ProjectionRequest.builder(e, null, 2, null, Targets.same(2, 0), opts))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("head");
    assertThatThrownBy(() -> HeadWeights.of(new float[639], null, 10, 64))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight");
    assertThatThrownBy(() -> FloatView.of((float[]) null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProjectionOptions.builder(8).optLambdaNeg(Float.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lambdaNeg");
  }

  @Test
  void nanAndInfAreCaughtInTheKernelPassAndNamed() {
    int B = 3, n = B * 64 * 64;
    for (NativeKernel kernel : NativeKernelProperties.supportedPaths()) {
      float[] ep = RandomCase.gaussian(RANDOM, n, 1f), en = RandomCase.gaussian(RANDOM, n, 1f);
      en[2 * 64 * 64 + 17 * 64 + 5] = Float.NaN;  // image 2
      assertThatThrownBy(() -> kernel.project(paperLike(B, FloatView.of(ep), FloatView.of(en), new float[640], null)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eNeg").hasMessageContaining("image 2")
          .hasMessageContaining("[batch=3, rows=64, dim=64]");
      float[] ep2 = RandomCase.gaussian(RANDOM, n, 1f);
      ep2[64 * 64 + 3] = Float.POSITIVE_INFINITY;  // image 1
      assertThatThrownBy(() -> kernel.project(paperLike(B, FloatView.of(ep2), null, RandomCase.gaussian(RANDOM, 640, 1f), null)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ePos").hasMessageContaining("image 1");
      float[] w = RandomCase.gaussian(RANDOM, 640, 1f);
      w[3 * 64 + 1] = Float.NEGATIVE_INFINITY;  // class 3, the target
      assertThatThrownBy(() -> kernel.project(paperLike(B, FloatView.of(RandomCase.gaussian(RANDOM, n, 1f)), null, w, null)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("head").hasMessageContaining("image 0");
    }
  }

  @Test
  void cudaWithoutADeviceFailsCleanlyAndTheCpuPathDoesNotNotice() {
    // The presets' CUDA runtime needs libcuda.so.1: without a driver it reports no device, no throw.
    List<CudaDevices.Device> devices = CudaDevices.list();
    // The device branch needs both a GPU and a library built with CUDA (a GPU host may hold a CPU-only build).
    if (!NativeKernel.cudaCompiled()) {
      assertThatThrownBy(NativeKernel::cuda).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("built without CUDA");
      assertThatThrownBy(() -> ProjectionEngine.builder().optBackend(Backend.CUDA).build()).isInstanceOf(UnsupportedOperationException.class);
    } else if (NativeKernel.cudaDeviceCount() == 0) {
      assertThat(devices).isEmpty();
      assertThat(CudaDevices.unavailableReason()).isNotBlank();
      assertThatThrownBy(NativeKernel::cuda).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("CUDA");
      assertThatThrownBy(() -> ProjectionEngine.builder().optBackend(Backend.CUDA).build())
          .isInstanceOf(UnsupportedOperationException.class);
    } else {
      RandomCase c = new RandomCase(11, 8, 64);
      ProjectionRequest req = c.request();
      new Tolerance().assertMatches(req, new JavaReferenceKernel().project(req), NativeKernel.cuda().project(req), "cuda");
    }
    // And the CPU path still works after the CUDA probes.
    RandomCase c = new RandomCase(5);
    ProjectionRequest req = c.request();
    new Tolerance().assertMatches(req, new JavaReferenceKernel().project(req),
        ProjectionEngine.create().project(req), "cpu after cuda probe");
  }

  @Test
  void forcedBackendsAndSettingsAreHonoured() {
    assertThat(ProjectionEngine.builder().optBackend(Backend.JAVA).build().kernel()).isInstanceOf(JavaReferenceKernel.class);
    assertThat(ProjectionEngine.builder().optBackend(Backend.CPU).optIsa(Isa.SCALAR).build().kernel().name()).isEqualTo("cpu/scalar");
    String old = System.getProperty("tve.kernel.isa");
    try {
      System.setProperty("tve.kernel.isa", "scalar");
      assertThat(ProjectionEngine.create().kernel().name()).isEqualTo("cpu/scalar");
      System.setProperty("tve.kernel.isa", "sse9");
      assertThatThrownBy(ProjectionEngine::create).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sse9");
    } finally {
      if (old == null) System.clearProperty("tve.kernel.isa");
      else System.setProperty("tve.kernel.isa", old);
    }
  }
}
