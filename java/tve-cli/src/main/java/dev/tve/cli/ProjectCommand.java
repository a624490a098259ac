package dev.tve.cli;

import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.kernel.Backend;
import dev.tve.kernel.ClsRow;
import dev.tve.kernel.FloatView;
import dev.tve.kernel.HeadWeights;
import dev.tve.kernel.Isa;
import dev.tve.kernel.Normalization;
import dev.tve.kernel.ProjectionEngine;
import dev.tve.kernel.ProjectionOptions;
import dev.tve.kernel.ProjectionRequest;
import dev.tve.kernel.ProjectionResult;
import dev.tve.kernel.Targets;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve project}: the fused projection kernel on {@code .npy} inputs, for non-Java callers
 * and for checking the kernel from outside.
 */
@Command(name = "project", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Project meta-attributions E+/E- [B, P, D] onto head rows: maps [B, K, g, g] as .npy.",
        "raw[b,t,p] = l+ (w.E+[b,p] + c) - l- (w.E-[b,p] + c), w = W[k] (- W[foil]), c = b[k] (- b[foil])."})
public final class ProjectCommand implements Callable<Integer> {
  @Option(names = "--e-pos", paramLabel = "NPY", description = "E+ [B, P, D] float32.")
  Path ePos;

  @Option(names = "--e-neg", paramLabel = "NPY", description = "E- [B, P, D] float32.")
  Path eNeg;

  @Option(names = "--weight", required = true, paramLabel = "NPY", description = "Head W [C, D] float32.")
  Path weight;

  @Option(names = "--bias", paramLabel = "NPY", description = "Head b [C] float32 (default: zeros).")
  Path bias;

  @ArgGroup(exclusive = true, multiplicity = "1")
  TargetChoice target;

  static final class TargetChoice {
    @Option(names = "--targets", paramLabel = "LIST|all",
        description = "Classes for every image: a comma list (K = its length), or 'all'.")
    String list;

    @Option(names = "--targets-npy", paramLabel = "NPY", description = "Classes per image: int [B] or [B, K].")
    Path npy;

    @Option(names = "--argmax", paramLabel = "NPY",
        description = "Explain the head's argmax on the images' real embeddings [B, D] float32 (K = 1).")
    Path embeddings;
  }

  @Option(names = "--foils", paramLabel = "LIST",
      description = "Contrastive foil per target (same length as --targets; -1 = none): why k and not j.")
  String foils;

  @Option(names = "--grid", paramLabel = "G", description = "Grid side g (default: from P).")
  Integer grid;

  @Option(names = "--cls", paramLabel = "none|first|last", description = "Extra [CLS] row in P (default: none, "
      + "or required when P = g*g + 1).")
  ClsRow cls;

  @Option(names = "--lambda-pos", defaultValue = "1", description = "lambda+ (default: ${DEFAULT-VALUE}).")
  float lambdaPos;

  @Option(names = "--lambda-neg", defaultValue = "1", description = "lambda- (default: ${DEFAULT-VALUE}).")
  float lambdaNeg;

  @Option(names = "--smooth", defaultValue = "0", description = "Box smoothing radius (default: ${DEFAULT-VALUE}).")
  int smooth;

  @Option(names = "--norm", defaultValue = "REFERENCE", paramLabel = "none|minmax|reference",
      description = "Normalisation of --out (default: reference).")
  Normalization norm;

  @Option(names = "--epsilon", defaultValue = "1e-6", description = "Relative range under which a map is constant.")
  float epsilon;

  @Option(names = "--backend", defaultValue = "AUTO", paramLabel = "auto|java|cpu|cuda") Backend backend;
  @Option(names = "--isa", defaultValue = "AUTO", paramLabel = "auto|scalar|avx2|avx512") Isa isa;
  @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0: all cores).") int threads;

  @Option(names = "--out", paramLabel = "NPY", description = "Post-processed maps [B, K, g, g] float32.")
  Path out;

  @Option(names = "--out-raw", paramLabel = "NPY", description = "Raw signed maps [B, K, g, g] float32.")
  Path outRaw;

  @Override
  public Integer call() throws IOException {
    if (out == null && outRaw == null) throw new IllegalArgumentException("give --out and/or --out-raw");
    if (threads < 0) throw new IllegalArgumentException("--threads " + threads + ": 0 (all cores) or more");
    if (ePos == null && eNeg == null) throw new IllegalArgumentException("give --e-pos and/or --e-neg");
    NpyArray ep = ePos == null ? null : floats(ePos, 3, "E+ [B, P, D]");
    NpyArray en = eNeg == null ? null : floats(eNeg, 3, "E- [B, P, D]");
    NpyArray e = ep != null ? ep : en;
    if (ep != null && en != null && !Arrays.equals(ep.shape(), en.shape())) {
      throw new IllegalArgumentException("E+ " + Arrays.toString(ep.shape()) + " and E- " + Arrays.toString(en.shape())
          + " differ in shape");
    }
    int batch = Math.toIntExact(e.dim(0)), rows = Math.toIntExact(e.dim(1)), dim = Math.toIntExact(e.dim(2));
    NpyArray w = floats(weight, 2, "W [C, D]");
    int classes = Math.toIntExact(w.dim(0));
    if (w.dim(1) != dim) {
      throw new IllegalArgumentException(weight + ": W " + Arrays.toString(w.shape()) + " has D=" + w.dim(1)
          + " but E has D=" + dim);
    }
    NpyArray b = bias == null ? null : floats(bias, 1, "b [C]");
    if (b != null && b.dim(0) != classes) {
      throw new IllegalArgumentException(bias + ": b " + Arrays.toString(b.shape()) + " but W has C=" + classes);
    }
    HeadWeights head = HeadWeights.of(FloatView.of(w.floats()), b == null ? null : FloatView.of(b.floats()), classes, dim);

    ClsRow layout = cls;
    int g;
    if (grid != null) {
      g = grid;
      if (g < 1) throw new IllegalArgumentException("--grid " + g + ": at least 1");
      if (layout == null) {
        if ((long) g * g == rows) {
          layout = ClsRow.NONE;
        } else if ((long) g * g + 1 == rows) {
          throw new IllegalArgumentException("P=" + rows + " = " + g + "^2 + 1: say where the [CLS] row is with --cls first|last");
        } else {
          throw new IllegalArgumentException("--grid " + g + " needs P = " + g * g + " (or " + (g * g + 1) + " with --cls), E has P=" + rows);
        }
      }
    } else {
      int root = (int) Math.round(Math.sqrt(rows));
      int rootMinus = (int) Math.round(Math.sqrt(rows - 1));
      if (layout == null && root * root == rows) {
        g = root;
        layout = ClsRow.NONE;
      } else if (layout == null && rootMinus * rootMinus == rows - 1) {
        throw new IllegalArgumentException("P=" + rows + " = " + rootMinus + "^2 + 1: say where the [CLS] row is "
            + "with --cls first|last");
      } else if (layout != null) {
        g = layout == ClsRow.NONE ? root : rootMinus;
      } else {
        throw new IllegalArgumentException("P=" + rows + " is neither g^2 nor g^2 + 1; give --grid");
      }
    }
    ProjectionOptions options = ProjectionOptions.builder(g).optClsRow(layout).optLambdaPos(lambdaPos)
        .optLambdaNeg(lambdaNeg).optSmoothRadius(smooth).optNormalization(norm).optEpsilon(epsilon).build();

    Targets targets = targets(batch, classes, dim, head, w, b);
    ProjectionRequest request = ProjectionRequest.builder(ep == null ? null : FloatView.of(ep.floats()),
        en == null ? null : FloatView.of(en.floats()), batch, head, targets, options)
        .optRaw(outRaw != null).optMap(out != null).build();
    ProjectionEngine engine = ProjectionEngine.builder().optBackend(backend).optIsa(isa).optThreads(threads).build();
    long t0 = System.nanoTime();
    ProjectionResult result = engine.project(request);
    long ns = System.nanoTime() - t0;
    long[] shape = {batch, targets.k(), g, g};
    if (out != null) Npy.write(out, NpyArray.ofFloats(result.map(), shape));
    if (outRaw != null) Npy.write(outRaw, NpyArray.ofFloats(result.raw(), shape));
    System.err.printf("projected %d images x %d targets on %dx%d (D=%d, C=%d) with %s in %.3f ms%n", batch,
        targets.k(), g, g, dim, classes, result.backend(), ns / 1e6);
    return 0;
  }

  private Targets targets(int batch, int classes, int dim, HeadWeights head, NpyArray w, NpyArray b) throws IOException {
    int[] foilList = foils == null ? null : parseList(foils, "--foils");
    if (target.list != null) {
      int[] rows;
      if (target.list.trim().equalsIgnoreCase("all")) {
        rows = new int[classes];
        for (int c = 0; c < classes; c++) rows[c] = c;
      } else {
        rows = parseList(target.list, "--targets");
      }
      Targets same = Targets.same(batch, rows);
      if (foilList == null) return same;
      if (foilList.length != rows.length) {
        throw new IllegalArgumentException("--foils has " + foilList.length + " entries but --targets has " + rows.length);
      }
      return Targets.contrastive(rows.length, same.rows(), Targets.same(batch, foilList).rows());
    }
    if (foilList != null) throw new IllegalArgumentException("--foils needs --targets LIST");
    if (target.npy != null) {
      NpyArray t = Npy.read(target.npy);
      if (t.dtype() == NpyArray.DType.FLOAT32) throw new IllegalArgumentException(target.npy + ": targets must be int32 or int64");
      if (t.ndim() < 1 || t.ndim() > 2 || t.dim(0) != batch) {
        throw new IllegalArgumentException(target.npy + ": targets " + Arrays.toString(t.shape()) + ", need [B=" + batch
            + "] or [B, K]");
      }
      int[] rows;
      try {
        rows = t.ints();
      } catch (IllegalArgumentException | IllegalStateException ex) {
        throw new IllegalArgumentException(target.npy + ": a target does not fit a class index (" + ex.getMessage() + ")");
      }
      for (int i = 0; i < rows.length; i++) {
        if (rows[i] < 0 || rows[i] >= classes) {
          throw new IllegalArgumentException(target.npy + ": target " + rows[i] + " at index " + i + " is not a class of W (C=" + classes + ")");
        }
      }
      return Targets.perImage(t.ndim() == 1 ? 1 : Math.toIntExact(t.dim(1)), rows);
    }
    NpyArray emb = floats(target.embeddings, 2, "embeddings [B, D]");
    if (emb.dim(0) != batch || emb.dim(1) != dim) {
      throw new IllegalArgumentException(target.embeddings + ": embeddings " + Arrays.toString(emb.shape())
          + ", need [B=" + batch + ", D=" + dim + "]");
    }
    FloatBuffer f = emb.floats(), wf = w.floats();
    FloatBuffer bf = b == null ? null : b.floats();
    int[] rows = new int[batch];
    for (int i = 0; i < batch; i++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        double logit = bf == null ? 0 : bf.get(c);
        for (int d = 0; d < dim; d++) logit += (double) wf.get(c * dim + d) * f.get(i * dim + d);
        if (!Double.isFinite(logit)) {
          throw new IllegalArgumentException(target.embeddings + ": image " + i + " gives class " + c + " a logit of " + logit
              + " (non-finite embeddings or head); no argmax");
        }
        if (logit > best) {
          best = logit;
          rows[i] = c;
        }
      }
    }
    return Targets.perImage(1, rows);
  }

  private static int[] parseList(String text, String option) {
    String[] parts = text.split(",");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + ": '" + parts[i].trim() + "' is not an integer");
      }
    }
    return out;
  }

  private static NpyArray floats(Path file, int ndim, String what) throws IOException {
    NpyArray a = Npy.read(file);
    if (a.dtype() != NpyArray.DType.FLOAT32) {
      throw new IllegalArgumentException(file + ": dtype " + a.dtype() + ", " + what + " must be float32");
    }
    if (a.ndim() != ndim) {
      throw new IllegalArgumentException(file + ": shape " + Arrays.toString(a.shape()) + ", need " + what);
    }
    return a;
  }
}
