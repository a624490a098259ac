package dev.tve.bench;

import dev.tve.kernel.FloatView;
import dev.tve.kernel.HeadWeights;
import dev.tve.kernel.Isa;
import dev.tve.kernel.JavaReferenceKernel;
import dev.tve.kernel.NativeKernel;
import dev.tve.kernel.NativeKernelLibrary;
import dev.tve.kernel.ProjectionOptions;
import dev.tve.kernel.ProjectionRequest;
import dev.tve.kernel.ProjectionResult;
import dev.tve.kernel.Targets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fused projection against its alternatives, on the same buffers, in one run. Scores are
 * nanoseconds per image (64 images per call). Every contender computes the same maps: raw
 * lambda+ (w.E+ + c) - lambda- (w.E- + c) for K = 1 target per image, then min-max, box average,
 * min-max; the libtorch contenders are checked against the C++ kernel at setup.
 *
 * <p>Run through {@link ProjectionSuite}, which writes benchmarks/results/projection.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g"})
public class ProjectionBench {
  static final int BATCH = 64;
  /** Threads of the C++ contenders: both cores of the reference machine. */
  static final int THREADS = 2;

  /** The two shapes of the issue. */
  public enum Shape {
    /** The paper's: 224 px, patch 16 (14 x 14), ViT-B D = 768, ImageNet C = 1000. E+ and E- are 77 MB. */
    PAPER(14, 768, 1000, 2),
    /** The embedded default's: 56 px at patch 8 (7 x 7), D = 128, C = 10. E+ and E- are 3.2 MB: they fit in cache. */
    SMALL(7, 128, 10, 1);

    final int grid, dim, classes, smooth;

    Shape(int grid, int dim, int classes, int smooth) {
      this.grid = grid;
      this.dim = dim;
      this.classes = classes;
      this.smooth = smooth;
    }

    int patches() { return grid * grid; }

    /** Bytes of E+ and E- per image: what any kernel must read. */
    long eBytesPerImage() { return 2L * patches() * dim * 4; }
  }

  @State(Scope.Benchmark)
  public static class Data {
    @Param({"PAPER", "SMALL"})
    public Shape shape;

    FloatBuffer ePos, eNeg, weight, bias;
    int[] targets;
    ProjectionRequest request, rawRequest;
    long eFloats;

    @Setup(Level.Trial)
    public void setup() {
      Random r = new Random(1);
      int P = shape.patches(), D = shape.dim, C = shape.classes;
      eFloats = (long) BATCH * P * D;
      ePos = direct(r, eFloats, 1f);
      eNeg = direct(r, eFloats, 1f);
      weight = direct(r, (long) C * D, 0.05f);
      bias = direct(r, C, 1f);
      targets = new int[BATCH];
      for (int b = 0; b < BATCH; b++) targets[b] = r.nextInt(C);
      ProjectionOptions opts = ProjectionOptions.builder(shape.grid).optSmoothRadius(shape.smooth).build();
      request = ProjectionRequest.builder(FloatView.of(ePos), FloatView.of(eNeg), BATCH,
          HeadWeights.of(FloatView.of(weight), FloatView.of(bias), C, D), Targets.perImage(1, targets), opts)
          .optRaw(false).optMap(true).build();
      rawRequest = ProjectionRequest.builder(FloatView.of(ePos), FloatView.of(eNeg), BATCH,
          HeadWeights.of(FloatView.of(weight), FloatView.of(bias), C, D), Targets.perImage(1, targets), opts)
          .optRaw(true).optMap(false).build();
    }

    static FloatBuffer direct(Random r, long n, float scale) {
      FloatBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(n * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
      for (int i = 0; i < n; i++) b.put(i, (float) r.nextGaussian() * scale);
      return b;
    }
  }

  @State(Scope.Benchmark)
  public static class Cpp {
    @Param({"AVX512", "AVX2", "SCALAR"})
    public Isa isa;

    NativeKernel kernel;

    @Setup(Level.Trial)
    public void setup() {
      kernel = NativeKernel.cpu(isa, THREADS);
    }
  }

  /** The C++ kernel on its best ISA writing into caller-owned direct buffers (no garbage per call). */
  @State(Scope.Benchmark)
  public static class CppInto {
    NativeKernel kernel;
    FloatBuffer map;

    @Setup(Level.Trial)
    public void setup(Data d) {
      kernel = NativeKernel.cpu(Isa.AUTO, THREADS);
      map = ByteBuffer.allocateDirect(Math.toIntExact(4 * d.request.outputSize())).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
    }
  }

  /** libtorch over the same direct buffers (zero-copy tensors). */
  @State(Scope.Benchmark)
  public static class Torch {
    @Param({"1", "2"})
    public int torchThreads;

    Tensor ePos, eNeg, weight, bias, targets, gatherIndex;
    int grid, smooth, classes;

    @Setup(Level.Trial)
    public void setup(Data d) {
      torch.set_num_threads(torchThreads);
      int P = d.shape.patches(), D = d.shape.dim;
      classes = d.shape.classes;
      grid = d.shape.grid;
      smooth = d.shape.smooth;
      TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
      ePos = torch.from_blob(new FloatPointer(d.ePos), new long[] {BATCH, P, D}, f32);
      eNeg = torch.from_blob(new FloatPointer(d.eNeg), new long[] {BATCH, P, D}, f32);
      weight = torch.from_blob(new FloatPointer(d.weight), new long[] {classes, D}, f32);
      bias = torch.from_blob(new FloatPointer(d.bias), new long[] {classes}, f32);
      long[] idx = new long[BATCH];
      for (int b = 0; b < BATCH; b++) idx[b] = d.targets[b];
      targets = torch.from_blob(new LongPointer(idx), new long[] {BATCH}, new TensorOptions(torch.ScalarType.Long)).clone();
      gatherIndex = targets.view(BATCH, 1, 1).expand(BATCH, P, 1).contiguous();
      // Same maps as the C++ kernel, or the comparison means nothing.
      float[] mine = NativeKernel.cpu(Isa.AUTO, 0).project(d.request).map();
      check("gather+bmm", mine, gatherBmm());
      check("full head", mine, fullHead());
    }

    private static void check(String name, float[] expected, float[] actual) {
      double worst = 0;
      for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
      if (!(worst < 1e-3)) throw new IllegalStateException("libtorch " + name + " differs from the kernel by " + worst);
    }

    /** The same work done well: only the requested W rows, one bmm per side. */
    float[] gatherBmm() {
      try (PointerScope scope = new PointerScope()) {
        Tensor wk = weight.index_select(0, targets).unsqueeze(2);               // [B, D, 1]
        Tensor c = bias.index_select(0, targets).view(BATCH, 1, 1);             // [B, 1, 1]
        Tensor raw = ePos.bmm(wk).add(c).sub(eNeg.bmm(wk).add(c));              // [B, P, 1]
        return post(raw);
      }
    }

    /** The reference code's way: the full head on every patch row, then the requested column. */
    float[] fullHead() {
      try (PointerScope scope = new PointerScope()) {
        Tensor wt = weight.transpose(0, 1);                                     // [D, C]
        Tensor lp = torch.matmul(ePos, wt).add(bias);                           // [B, P, C]
        Tensor ln = torch.matmul(eNeg, wt).add(bias);
        Tensor raw = lp.gather(2, gatherIndex).sub(ln.gather(2, gatherIndex));  // [B, P, 1]
        return post(raw);
      }
    }

    /** min-max, box average (count_include_pad = false), min-max; then the maps into Java. */
    private float[] post(Tensor raw) {
      Tensor m = raw.permute(0, 2, 1).contiguous().view(BATCH, 1, grid, grid);
      m = minmax(m);
      long k = 2L * smooth + 1;
      m = torch.avg_pool2d(m, new long[] {k, k}, new long[] {1, 1}, new long[] {smooth, smooth}, false, false,
          new LongOptional());
      m = minmax(m).contiguous();
      float[] out = new float[BATCH * grid * grid];
      m.data_ptr_float().get(out);
      return out;
    }

    private static Tensor minmax(Tensor m) {
      Tensor mn = m.amin(new long[] {1, 2, 3}, true), mx = m.amax(new long[] {1, 2, 3}, true);
      return m.sub(mn).div(mx.sub(mn).clamp_min(new Scalar(1e-30f)));
    }
  }

  /** Two arrays of 308 MB each. */
  @State(Scope.Benchmark)
  public static class LargeFloor {
    static final long N = 77_000_000L;
    FloatPointer a, b;

    @Setup(Level.Trial)
    public void setup() {
      a = new FloatPointer(N);
      b = new FloatPointer(N);
      for (long i = 0; i < N; i++) {
        a.put(i, 1f);
        b.put(i, 2f);
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      a.close();
      b.close();
    }
  }

  /** STREAM triad a = b + s c over arrays far larger than the caches (64 MiB each). */
  @State(Scope.Benchmark)
  public static class Triad {
    static final long N = 16L << 20;
    FloatPointer a, b, c;

    @Setup(Level.Trial)
    public void setup() {
      a = new FloatPointer(N);
      b = new FloatPointer(N);
      c = new FloatPointer(N);
      for (long i = 0; i < N; i++) {
        b.put(i, 1f);
        c.put(i, 2f);
      }
      a.zero();
    }

    @TearDown(Level.Trial)
    public void close() {
      a.close();
      b.close();
      c.close();
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] cppKernel(Data d, Cpp cpp) {
    return cpp.kernel.project(d.request).map();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public FloatBuffer cppKernelInto(Data d, CppInto c) {
    c.kernel.projectInto(d.request, null, c.map);
    return c.map;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] libtorchGatherBmm(Torch t) {
    return t.gatherBmm();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public float[] libtorchFullHead(Torch t) {
    return t.fullHead();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public ProjectionResult javaReference(Data d) {
    return JAVA.project(d.request);
  }

  // The floor and the triad are named cpp* so that JMH (alphabetical order) runs them right after
  // the C++ kernel rows: on a shared machine bandwidth drifts over minutes, and ratios between rows
  // measured close together are steadier.

  /** Summing E+ and E- with the kernel's threads: the least any kernel reading them can cost. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double cppReadFloor(Data d) {
    return dev.tve.runtime.NativeRuntimeLibrary.tve_read_floor(new FloatPointer(d.ePos), new FloatPointer(d.eNeg), d.eFloats, THREADS);
  }

  /** The read floor over 616 MB, beyond any cache: the machine's DRAM read bandwidth. */
  @Benchmark
  public double cppReadFloorDram(LargeFloor f) {
    return dev.tve.runtime.NativeRuntimeLibrary.tve_read_floor(f.a, f.b, LargeFloor.N, THREADS);
  }

  /**
   * The C++ kernel and the read floor alternately, on the same buffers, in one invocation: their
   * time ratio is then immune to the bandwidth drift of a shared machine between JMH forks.
   */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Paired {
    public long kernelNs;
    public long floorNs;

    @Setup(Level.Iteration)
    public void reset() {
      kernelNs = 0;
      floorNs = 0;
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double cppPairedKernelAndFloor(Data d, CppInto c, Paired p) {
    return paired(() -> c.kernel.projectInto(d.request, null, c.map), d, c, p);
  }

  /** Times the kernel call and then the read floor on the same buffers, adding both to the counters. */
  private static double paired(Runnable kernelCall, Data d, CppInto c, Paired p) {
    long t0 = System.nanoTime();
    kernelCall.run();
    long t1 = System.nanoTime();
    double s = dev.tve.runtime.NativeRuntimeLibrary.tve_read_floor(new FloatPointer(d.ePos), new FloatPointer(d.eNeg), d.eFloats, THREADS);
    long t2 = System.nanoTime();
    p.kernelNs += t1 - t0;
    p.floorNs += t2 - t1;
    return s + c.map.get(0);
  }

  /** As {@link #cppPairedKernelAndFloor}, with the raw map only: the projection without post-processing. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public double cppPairedRawAndFloor(Data d, CppInto c, Paired p) {
    return paired(() -> c.kernel.projectInto(d.rawRequest, c.map, null), d, c, p);
  }

  /**
   * A call with almost no work (1 image, 1 patch, D = 16, no post-processing) through projectInto:
   * what every call costs on top of its work (JNI, argument block, team start, result check).
   */
  @State(Scope.Benchmark)
  public static class Tiny {
    NativeKernel kernel;
    ProjectionRequest request;
    FloatBuffer raw;

    @Setup(Level.Trial)
    public void setup() {
      Random r = new Random(2);
      kernel = NativeKernel.cpu(Isa.AUTO, THREADS);
      ProjectionOptions opts = ProjectionOptions.builder(1).optSmoothRadius(0)
          .optNormalization(dev.tve.kernel.Normalization.NONE).build();
      request = ProjectionRequest.builder(FloatView.of(Data.direct(r, 16, 1f)), FloatView.of(Data.direct(r, 16, 1f)), 1,
          HeadWeights.of(FloatView.of(Data.direct(r, 16, 1f)), FloatView.of(Data.direct(r, 1, 1f)), 1, 16),
          Targets.perImage(1, new int[] {0}), opts).optRaw(true).optMap(false).build();
      raw = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
  }

  @Benchmark
  public FloatBuffer cppCallOverhead(Tiny t) {
    t.kernel.projectInto(t.request, t.raw, null);
    return t.raw;
  }

  @Benchmark
  public void cppTriad(Triad t) {
    dev.tve.runtime.NativeRuntimeLibrary.tve_triad(t.a, t.b, t.c, 3f, Triad.N, THREADS);
  }

  private static final JavaReferenceKernel JAVA = new JavaReferenceKernel();

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
