package dev.tve.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tve.explain.Explainer;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.GameSampling;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.explain.PatchGame;
import dev.tve.explain.TveExplainer;
import dev.tve.image.FashionMnist;
import dev.tve.image.ImageSource;
import dev.tve.image.SceneBatches;
import dev.tve.io.AtomicFiles;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.metric.Direction;
import dev.tve.metric.FaithfulnessCheck;
import dev.tve.metric.MeanInterval;
import dev.tve.metric.PairedDifference;
import dev.tve.metric.RankCorrelation;
import dev.tve.model.Head;
import dev.tve.model.LinearHead;
import dev.tve.model.TargetModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Agreement with the Shapley values of the patch game ({@code tve shapley-agreement}): for each image, a
 * reference Phi [P, D] of the embedding game ({@link PatchGame}: players the patches of the model's grid,
 * removed patches zero in normalised space, KernelSHAP's fill), either exact (every one of the 2^P
 * coalitions; P at most 20) or by antithetic permutation sampling (pairs of whole random orders and their
 * reverses, at least {@code forwards} encoder passes; its own seed, independent of every contender). One
 * embedding-space reference serves every linear head: the reference map of class k is w_k . Phi. A sampled
 * reference reports each image's split-half reliability (the Pearson correlation of the two halves' maps,
 * Spearman-Brown corrected to the full budget); an image below the threshold gets its budget doubled, up
 * to {@code maxDoublings} times. Each contender's map (TVE explainers, classic methods) of the head's
 * predicted class is compared with the reference map by Pearson and Spearman correlation (higher is
 * better), with bootstrap 95 % intervals and paired differences from the first contender. References are
 * cached per image under out/reference, so an interrupted run resumes. Prints nothing.
 *
 * <pre>{@code
 * ShapleyAgreement.Result r = ShapleyAgreement.builder(Path.of("zoo/scene-vit"), Path.of("runs/agreement"))
 *     .optExplainer("tve-shapley", Path.of("runs/shapley")).optMethods(List.of("kernel-shap:2146", "occlusion")).build().run(listener);
 * }</pre>
 */
public final class ShapleyAgreement {
  /** One contender's agreement on one image and head. */
  public record Row(long image, String head, int target, String method, double pearson, double spearman) {}

  /** One image's reference. */
  public record ReferenceRow(long image, boolean exact, int pairs, long forwards, double seconds, Map<String, Double> reliability) {}

  /** What a run wrote. */
  public record Result(String markdown, int images, double seconds, Path out) {}

  private final Path modelDir, out, data, images;
  private final Map<String, Path> explainers;
  private final List<String> methods, heads;
  private final int scenes, forwards, maxDoublings, batch;
  private final double reliability;
  private final boolean exact;
  private final String split;
  private final long sceneSeed, seed, referenceSeed;

  private ShapleyAgreement(Builder b) {
    modelDir = b.modelDir;
    out = b.out;
    data = b.data;
    images = b.images;
    explainers = new LinkedHashMap<>(b.explainers);
    methods = List.copyOf(b.methods);
    heads = b.heads == null ? null : List.copyOf(b.heads);
    scenes = b.scenes;
    forwards = b.forwards;
    maxDoublings = b.maxDoublings;
    batch = b.batch;
    reliability = b.reliability;
    exact = b.exact;
    split = b.split;
    sceneSeed = b.sceneSeed;
    seed = b.seed;
    referenceSeed = b.referenceSeed;
  }

  /**
   * @param modelDir the model folder
   * @param out the results folder
   * @return a builder with tve shapley-agreement's defaults
   */
  public static Builder builder(Path modelDir, Path out) {
    return new Builder(modelDir, out);
  }

  /**
   * Computes (or reads) the references, scores every contender and writes rows.jsonl, reference.jsonl,
   * summary.json and summary.md.
   *
   * @param listener progress and notes
   * @return what was written
   * @throws Exception when data or outputs cannot be read or written
   */
  public Result run(EvaluationRecipe.Listener listener) throws Exception {
    long t0 = System.nanoTime();
    TargetModel model = TargetModel.load(modelDir);
    int grid = model.input().grid();
    if (grid < 1) throw new IllegalArgumentException(modelDir + ": the model's card gives no patch grid");
    PatchGame game = new PatchGame(model.encoder(), grid, 256);
    int p = game.players(), d = game.dim();
    if (exact && p > 20) throw new IllegalArgumentException("exact Shapley values enumerate 2^" + p + " coalitions; at most 20 players (use the sampled reference)");
    List<Head> headList = new ArrayList<>();
    for (String h : heads != null ? heads : new ArrayList<>(model.heads().keySet())) {
      Head head = model.head(h);
      if (!(head instanceof LinearHead)) throw new IllegalArgumentException("head " + h + " is not linear: its Shapley map is not w . Phi (leave it out with --heads)");
      headList.add(head);
    }
    // The images: per head, which ones it is scored on.
    ImageSource source;
    Map<Long, Set<String>> imageHeads = new TreeMap<>();
    if (images != null) {
      source = dev.tve.image.FolderImages.open(images, dev.tve.image.ImageDecoder.create(), model.input().preprocessing(), e -> {
        throw new IllegalArgumentException(e.getMessage());
      });
      long n = Math.min(scenes, source.count());
      for (long i = 0; i < n; i++) for (Head h : headList) imageHeads.computeIfAbsent(i, k -> new LinkedHashSet<>()).add(h.name());
    } else {
      SceneSetup setup = SceneSetup.load(data, model.card(), split, sceneSeed);
      SceneBatches sb = setup.scenes();
      source = sb;
      for (Head h : headList) {
        // A head over some of the scene classes takes scenes of those classes only (the held-out head: its two).
        long[] chosen = FaithfulnessCheck.select(sb.generator(), h, Set.of(), scenes, 0, 0, 200L * scenes);
        for (long i : chosen) imageHeads.computeIfAbsent(i, k -> new LinkedHashSet<>()).add(h.name());
      }
    }
    List<Long> order = new ArrayList<>(imageHeads.keySet());
    int f = source.imageFloats();
    Path refDir = out.resolve("reference");
    Files.createDirectories(refDir);
    float[] empty = game.empty();

    // 1. References (cached per image).
    Map<Long, float[]> reference = new LinkedHashMap<>();
    Map<Long, float[]> sampled = new LinkedHashMap<>();      // exact runs: the sampled reference estimator, scored as a contender
    String sampler = "antithetic-permutation:" + forwards;
    Map<Long, float[]> embeddings = new LinkedHashMap<>();
    List<ReferenceRow> refRows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    int done = 0;
    for (long i : order) {
      float[] x = new float[f];
      source.fill(i, 1, x);
      float[] full = game.values(x, new int[] {0}, new boolean[][] {all(p)});
      embeddings.put(i, full);
      Path file = refDir.resolve(String.format(Locale.ROOT, "image-%08d.npy", i)), meta = refDir.resolve(String.format(Locale.ROOT, "image-%08d.json", i));
      ReferenceRow row;
      float[] phi;
      if (Files.isRegularFile(file) && Files.isRegularFile(meta)) {
        phi = Npy.read(file).toFloatArray();
        row = json.readValue(meta.toFile(), ReferenceRow.class);
      } else {
        long ti = System.nanoTime();
        Map<String, Double> rel = new LinkedHashMap<>();
        int pairs = 0;
        long used;
        if (exact) {
          phi = exactShapley(game, x, full, empty);
          used = 1L << p;
        } else {
          double[][] halves = new double[2][p * d];
          pairs = pairsFor(forwards, p);
          SplittableRandom r = new SplittableRandom(referenceSeed * 0x9E3779B97F4A7C15L + i);
          sample(game, x, full, empty, pairs, 0, halves, r);
          for (int doubling = 0; ; doubling++) {
            rel = reliabilities(halves, pairs, imageHeads.get(i), headList, full, p, d);
            double worst = rel.values().stream().mapToDouble(Double::doubleValue).min().orElse(1);
            if (worst >= reliability || doubling >= maxDoublings) break;
            sample(game, x, full, empty, pairs, pairs, halves, r);
            pairs *= 2;
          }
          phi = new float[p * d];
          for (int k = 0; k < p * d; k++) phi[k] = (float) ((halves[0][k] + halves[1][k]) / pairs);
          used = (long) pairs * 2 * (p - 1);
        }
        row = new ReferenceRow(i, exact, pairs, used, (System.nanoTime() - ti) / 1e9, rel);
        Npy.write(file, NpyArray.ofFloats(phi, p, d));
        AtomicFiles.writeJson(meta, row);
      }
      reference.put(i, phi);
      refRows.add(row);
      if (exact) {
        Path sf = refDir.resolve(String.format(Locale.ROOT, "image-%08d.sampled-%d.npy", i, forwards));
        if (Files.isRegularFile(sf)) {
          sampled.put(i, Npy.read(sf).toFloatArray());
        } else {
          int pairs = pairsFor(forwards, p);
          double[][] halves = new double[2][p * d];
          sample(game, x, full, empty, pairs, 0, halves, new SplittableRandom(referenceSeed * 0x9E3779B97F4A7C15L + i));
          float[] est = new float[p * d];
          for (int k = 0; k < p * d; k++) est[k] = (float) ((halves[0][k] + halves[1][k]) / pairs);
          Npy.write(sf, NpyArray.ofFloats(est, p, d));
          sampled.put(i, est);
        }
      }
      listener.progress("reference", ++done, order.size(), String.format(Locale.ROOT, "%d/%d images", done, order.size()));
    }
    listener.done("reference");

    // 2. Contenders' maps of each head's predicted class.
    List<String> contenders = new ArrayList<>(explainers.keySet());
    contenders.addAll(methods);
    List<Row> rows = new ArrayList<>();
    if (exact) {
      contenders.add(sampler);
      for (Head h : headList) {
        for (long i : order) {
          if (!imageHeads.get(i).contains(h.name())) continue;
          int target = h.argmax(embeddings.get(i), 0);
          float[] w = ((LinearHead) h).weight();
          float[] ref = headMap(reference.get(i), w, target, p, d), est = headMap(sampled.get(i), w, target, p, d);
          rows.add(new Row(i, h.name(), target, sampler, pearson(est, ref), RankCorrelation.spearman(est, ref)));
        }
      }
    }
    Map<String, Double> secondsPerImage = new LinkedHashMap<>();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      for (String name : contenders) {
        if (name.equals(sampler)) continue;
        Explainer e = contender(name, model, open);
        double spent = 0;
        int scored = 0;
        for (Head h : headList) {
          List<Long> mine = new ArrayList<>();
          for (long i : order) if (imageHeads.get(i).contains(h.name())) mine.add(i);
          for (int at = 0; at < mine.size(); at += batch) {
            int n = Math.min(batch, mine.size() - at);
            float[] x = new float[n * f];
            long[] keys = new long[n];
            int[] targets = new int[n];
            for (int j = 0; j < n; j++) {
              long i = mine.get(at + j);
              float[] one = new float[f];
              source.fill(i, 1, one);
              System.arraycopy(one, 0, x, j * f, f);
              keys[j] = i;
              targets[j] = h.argmax(embeddings.get(i), 0);
            }
            long ts = System.nanoTime();
            float[][] maps = e.attribute(new Images(x, n, source.channels(), source.size(), keys), h, targets, null);
            spent += (System.nanoTime() - ts) / 1e9;
            scored += n;
            for (int j = 0; j < n; j++) {
              long i = mine.get(at + j);
              float[] ref = headMap(reference.get(i), ((LinearHead) h).weight(), targets[j], p, d);
              rows.add(new Row(i, h.name(), targets[j], name, pearson(maps[j], ref), RankCorrelation.spearman(maps[j], ref)));
            }
            listener.progress(name, at + n, mine.size(), h.name());
          }
        }
        secondsPerImage.put(name, spent / Math.max(1, scored));
        listener.done(name);
      }
    } finally {
      for (AutoCloseable c : open) c.close();
    }

    // 3. Summary.
    Files.createDirectories(out);
    StringBuilder lines = new StringBuilder();
    for (Row r : rows) lines.append(json.writeValueAsString(r)).append('\n');
    AtomicFiles.write(out.resolve("rows.jsonl"), lines.toString().getBytes(StandardCharsets.UTF_8));
    StringBuilder refLines = new StringBuilder();
    for (ReferenceRow r : refRows) refLines.append(json.writeValueAsString(r)).append('\n');
    AtomicFiles.write(out.resolve("reference.jsonl"), refLines.toString().getBytes(StandardCharsets.UTF_8));
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> summary = new LinkedHashMap<>();
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "# Agreement with %s Shapley values of the patch game%n%n", exact ? "exact" : "reference"));
    md.append(String.format(Locale.ROOT, "Model weights SHA-256 `%s`; players: the %dx%d patches; removed patches zero in normalised space "
        + "(KernelSHAP's fill). Reference: %s. Maps of each head's predicted class; Pearson and Spearman with the reference map w_k . Phi "
        + "(higher is better); means with bootstrap 95 %% intervals, paired differences from `%s` (%d resamples, seed %d).%n%n",
        model.card().weightsSha256(), grid, grid, exact ? "exact, every one of the 2^" + p + " coalitions" : String.format(Locale.ROOT,
            "antithetic permutation sampling, at least %d encoder passes per image (%d pairs of whole orders), seed %d; an image whose split-half "
                + "reliability is below %.2f gets its budget doubled, at most %d times", forwards, pairsFor(forwards, p), referenceSeed, reliability,
            maxDoublings), contenders.get(0), PairedDifference.RESAMPLES, seed));
    if (!exact) {
      double[] rel = refRows.stream().mapToDouble(r -> r.reliability().values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)).toArray();
      double[] fw = refRows.stream().mapToDouble(ReferenceRow::forwards).toArray();
      long below = java.util.Arrays.stream(rel).filter(v -> v < reliability).count();
      MeanInterval mr = MeanInterval.of(rel, seed);
      double min = java.util.Arrays.stream(rel).min().orElse(Double.NaN);
      md.append(String.format(Locale.ROOT, "Reference reliability (split-half, Spearman-Brown, each image's worst head): mean %.4f, lowest %.4f; "
          + "%d of %d images below %.2f after doubling; encoder passes per image: mean %.0f, most %.0f.%n%n", mr.mean(), min, below, rel.length,
          reliability, java.util.Arrays.stream(fw).average().orElse(Double.NaN), java.util.Arrays.stream(fw).max().orElse(Double.NaN)));
      summary.put("referenceReliability", Map.of("mean", mr.mean(), "lowest", min, "below", below, "images", rel.length));
    }
    Map<String, Object> perHead = new LinkedHashMap<>();
    for (Head h : headList) {
      Map<String, Object> hs = new LinkedHashMap<>();
      List<Long> mine = new ArrayList<>();
      for (long i : order) if (imageHeads.get(i).contains(h.name())) mine.add(i);
      md.append(String.format(Locale.ROOT, "## Head `%s` (%d images)%n%n| method | Pearson | Spearman | Pearson - %s | Spearman - %s | seconds per image |%n"
          + "|---|---:|---:|---:|---:|---:|%n", h.name(), mine.size(), contenders.get(0), contenders.get(0)));
      double[][] first = values(rows, h.name(), contenders.get(0), mine);
      for (String c : contenders) {
        double[][] v = values(rows, h.name(), c, mine);
        MeanInterval pe = MeanInterval.of(v[0], seed), sp = MeanInterval.of(v[1], seed);
        PairedDifference dp = PairedDifference.of(v[0], first[0], Direction.HIGHER_IS_BETTER, seed);
        PairedDifference ds = PairedDifference.of(v[1], first[1], Direction.HIGHER_IS_BETTER, seed);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pearson", pe);
        m.put("spearman", sp);
        m.put("pearsonMinusFirst", dp);
        m.put("spearmanMinusFirst", ds);
        m.put("secondsPerImage", secondsPerImage.get(c));
        hs.put(c, m);
        boolean self = c.equals(contenders.get(0));
        md.append(String.format(Locale.ROOT, "| %s | %.4f [%.4f, %.4f] | %.4f [%.4f, %.4f] | %s | %s | %.4g |%n", c, pe.mean(), pe.lo(), pe.hi(), sp.mean(),
            sp.lo(), sp.hi(), self ? "" : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", dp.mean(), dp.lo(), dp.hi()),
            self ? "" : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", ds.mean(), ds.lo(), ds.hi()), secondsPerImage.get(c)));
      }
      String matched = matchedKernelShap(hs, contenders.get(0));
      if (matched != null) {
        md.append(String.format(Locale.ROOT, "%n%s%n", matched));
        hs.put("matchedKernelShap", matched);
      }
      md.append('\n');
      perHead.put(h.name(), hs);
    }
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("modelWeightsSha256", model.card().weightsSha256());
    setup.put("grid", grid);
    setup.put("exact", exact);
    setup.put("forwards", forwards);
    setup.put("reliabilityThreshold", reliability);
    setup.put("maxDoublings", maxDoublings);
    setup.put("referenceSeed", referenceSeed);
    setup.put("split", images == null ? split : "folder");
    setup.put("sceneSeed", sceneSeed);
    setup.put("contenders", contenders);
    Map<String, String> hashes = new LinkedHashMap<>();
    for (Map.Entry<String, Path> e : explainers.entrySet()) {
      hashes.put(e.getKey(), dev.tve.explain.ExplainerCard.read(e.getValue().resolve(ExplainerFiles.CARD)).weightsSha256());
    }
    setup.put("explainerWeightsSha256", hashes);
    setup.put("seconds", seconds);
    summary.put("setup", setup);
    summary.put("heads", perHead);
    AtomicFiles.writeJson(out.resolve("summary.json"), summary);
    AtomicFiles.write(out.resolve("summary.md"), md.toString().getBytes(StandardCharsets.UTF_8));
    return new Result(md.toString(), order.size(), seconds, out);
  }

  /** The largest KernelSHAP budget the first contender's mean Pearson reaches, in words; null without KernelSHAP contenders. */
  private static String matchedKernelShap(Map<String, Object> hs, String first) {
    double mine = ((MeanInterval) ((Map<?, ?>) hs.get(first)).get("pearson")).mean();
    int best = -1, smallestAbove = -1;
    for (String c : hs.keySet()) {
      if (!c.startsWith(Methods.KERNEL_SHAP + ":")) continue;
      int budget = Integer.parseInt(c.substring(c.indexOf(':') + 1));
      double v = ((MeanInterval) ((Map<?, ?>) hs.get(c)).get("pearson")).mean();
      if (v <= mine) best = Math.max(best, budget);
      else smallestAbove = smallestAbove < 0 ? budget : Math.min(smallestAbove, budget);
    }
    if (best < 0 && smallestAbove < 0) return null;
    return best < 0 ? String.format(Locale.ROOT, "`%s` is below KernelSHAP at every budget tried (smallest: %d samples).", first, smallestAbove)
        : String.format(Locale.ROOT, "`%s` matches or beats KernelSHAP at %d samples (mean Pearson)%s.", first, best,
            smallestAbove < 0 ? ", the largest budget tried" : ", and is below it at " + smallestAbove);
  }

  private Explainer contender(String name, TargetModel model, List<AutoCloseable> open) throws IOException {
    if (explainers.containsKey(name)) {
      ExplainerFiles.Loaded loaded = ExplainerFiles.load(explainers.get(name), model.card().weightsSha256());
      open.add(loaded);
      return TveExplainer.builder(model, loaded.network(), loaded.card()).build();
    }
    String method = name;
    MethodSettings.Builder s = MethodSettings.builder().optSeed(seed);
    int colon = name.indexOf(':');
    if (colon > 0) {
      method = name.substring(0, colon);
      int budget = Integer.parseInt(name.substring(colon + 1));
      if (method.equals(Methods.KERNEL_SHAP)) s.optSamples(budget);
      else if (method.equals(Methods.OCCLUSION)) s.optRadius(budget);
      else if (method.startsWith(Methods.INTEGRATED_GRADIENTS)) s.optNSteps(budget);
      else throw new IllegalArgumentException(name + ": a setting after ':' is KernelSHAP's samples, occlusion's radius or Integrated Gradients' steps");
    } else if (method.equals(Methods.OCCLUSION)) {
      s.optRadius(1);
    }
    return Methods.create(method, new MethodContext(model, null, null, s.build()));
  }

  private static int pairsFor(int forwards, int p) {
    int per = 2 * (p - 1);
    int pairs = (forwards + per - 1) / per;
    return pairs + (pairs % 2);          // even: the two halves hold the same number of pairs
  }

  /** Adds {@code pairs} antithetic pairs of whole orders, alternately to halves[0] and halves[1] (pair j counted from {@code from}). */
  static void sample(PatchGame game, float[] x, float[] full, float[] empty, int pairs, int from, double[][] halves, SplittableRandom r) {
    int p = game.players(), chunkPairs = 8;
    for (int j = 0; j < pairs; j += chunkPairs) {
      int k = Math.min(chunkPairs, pairs - j);
      GameSampling.Segment[] seg = new GameSampling.Segment[k];
      List<boolean[]> z = new ArrayList<>();
      for (int s = 0; s < k; s++) {
        seg[s] = new GameSampling.Segment(GameSampling.permutation(p, r), 0, p);
        z.addAll(seg[s].coalitions());
      }
      float[] v = game.values(x, new int[z.size()], z.toArray(new boolean[0][]));
      int row = 0;
      for (int s = 0; s < k; s++) {
        seg[s].addTargets(v, row, full, empty, halves[(from + j + s) % 2], null);
        row += seg[s].coalitions().size();
      }
    }
  }

  /** Per head the image is scored on: the split-half reliability of its predicted class's map. */
  private static Map<String, Double> reliabilities(double[][] halves, int pairs, Set<String> headNames, List<Head> heads, float[] full, int p, int d) {
    Map<String, Double> out = new LinkedHashMap<>();
    float[] a = new float[p * d], b = new float[p * d];
    for (int k = 0; k < p * d; k++) {
      a[k] = (float) (halves[0][k] / (pairs / 2));
      b[k] = (float) (halves[1][k] / (pairs / 2));
    }
    for (Head h : heads) {
      if (!headNames.contains(h.name())) continue;
      int target = h.argmax(full, 0);
      float[] w = ((LinearHead) h).weight();
      double r = pearson(headMap(a, w, target, p, d), headMap(b, w, target, p, d));
      out.put(h.name(), 2 * r / (1 + r));
    }
    return out;
  }

  /** Exact Shapley values of the image's embedding game: every coalition valued once, then weighted marginal contributions. */
  static float[] exactShapley(PatchGame game, float[] x, float[] full, float[] empty) {
    int p = game.players(), d = game.dim(), n = 1 << p;
    float[] v = new float[n * d];
    int chunk = 4096;
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      boolean[][] z = new boolean[k][p];
      for (int s = 0; s < k; s++) for (int q = 0; q < p; q++) z[s][q] = ((first + s) >> q & 1) != 0;
      float[] e = game.values(x, new int[k], z);
      System.arraycopy(e, 0, v, first * d, k * d);
    }
    double[] weight = new double[p];          // |S|! (p - |S| - 1)! / p!
    for (int s = 0; s < p; s++) weight[s] = 1.0 / (p * binomial(p - 1, s));
    double[] phi = new double[p * d];
    for (int s = 0; s < n; s++) {
      int size = Integer.bitCount(s);
      for (int q = 0; q < p; q++) {
        if ((s >> q & 1) != 0) continue;
        int with = s | (1 << q);
        double w = weight[size];
        for (int k = 0; k < d; k++) phi[q * d + k] += w * (v[with * d + k] - v[s * d + k]);
      }
    }
    float[] out = new float[p * d];
    for (int k = 0; k < p * d; k++) out[k] = (float) phi[k];
    return out;
  }

  private static double binomial(int n, int k) {
    double r = 1;
    for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
    return r;
  }

  /** w_k . Phi_p for every patch. */
  static float[] headMap(float[] phi, float[] w, int k, int p, int d) {
    float[] m = new float[p];
    for (int q = 0; q < p; q++) {
      double s = 0;
      for (int j = 0; j < d; j++) s += (double) w[k * d + j] * phi[q * d + j];
      m[q] = (float) s;
    }
    return m;
  }

  static double pearson(float[] a, float[] b) {
    double ma = 0, mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += a[i];
      mb += b[i];
    }
    ma /= a.length;
    mb /= b.length;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < a.length; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Double.NaN;
  }

  private static boolean[] all(int p) {
    boolean[] z = new boolean[p];
    java.util.Arrays.fill(z, true);
    return z;
  }

  /** [0] Pearson, [1] Spearman of one contender on one head's images, in image order. */
  private static double[][] values(List<Row> rows, String head, String method, List<Long> images) {
    Map<Long, Row> by = new LinkedHashMap<>();
    for (Row r : rows) if (r.head().equals(head) && r.method().equals(method)) by.put(r.image(), r);
    double[][] v = new double[2][images.size()];
    for (int j = 0; j < images.size(); j++) {
      Row r = by.get(images.get(j));
      v[0][j] = r.pearson();
      v[1][j] = r.spearman();
    }
    return v;
  }

  /** Builder of {@link ShapleyAgreement}; defaults are {@code tve shapley-agreement}'s. */
  public static final class Builder {
    private final Path modelDir, out;
    private Path data, images;
    private final Map<String, Path> explainers = new LinkedHashMap<>();
    private List<String> methods = List.of();
    private List<String> heads;
    private int scenes = 100, forwards = 20_000, maxDoublings = 2, batch = 16;
    private double reliability = 0.98;
    private boolean exact;
    private String split = "test";
    private long sceneSeed = 5, seed = 7, referenceSeed = 1_000_003;

    private Builder(Path modelDir, Path out) {
      this.modelDir = modelDir;
      this.out = out;
    }

    /** @param name the contender's name @param dir a TVE explainer folder @return this */
    public Builder optExplainer(String name, Path dir) { explainers.put(name, dir); return this; }
    /** @param v classic methods: registry names, kernel-shap:SAMPLES, occlusion:RADIUS, integrated-gradients:STEPS @return this */
    public Builder optMethods(List<String> v) { methods = List.copyOf(v); return this; }
    /** @param v heads to score (default: every head of the model; each must be linear) @return this */
    public Builder optHeads(List<String> v) { heads = v == null ? null : List.copyOf(v); return this; }
    /** @param v images per head (default 100) @return this */
    public Builder optScenes(int v) { scenes = v; return this; }
    /** @param v encoder passes per image of the sampled reference, at least (default 20,000) @return this */
    public Builder optForwards(int v) { forwards = v; return this; }
    /** @param v split-half reliability below which an image's budget doubles (default 0.98) @return this */
    public Builder optReliability(double v) { reliability = v; return this; }
    /** @param v doublings at most (default 2) @return this */
    public Builder optMaxDoublings(int v) { maxDoublings = v; return this; }
    /** @param v exact values (every coalition; at most 20 players) instead of sampled (default false) @return this */
    public Builder optExact(boolean v) { exact = v; return this; }
    /** @param v a folder of images instead of scenes (the first {@link #optScenes} in sorted order) @return this */
    public Builder optImages(Path v) { images = v; return this; }
    /** @param v test or validation scenes (default test) @return this */
    public Builder optSplit(String v) { split = v; return this; }
    /** @param v scene seed (default 5) @return this */
    public Builder optSceneSeed(long v) { sceneSeed = v; return this; }
    /** @param v the contenders' seed (KernelSHAP's coalitions) and the bootstrap's (default 7) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @param v the reference's seed (default 1000003; independent of the contenders') @return this */
    public Builder optReferenceSeed(long v) { referenceSeed = v; return this; }
    /** @param v the Fashion-MNIST folder (default: the package's) @return this */
    public Builder optData(Path v) { data = v; return this; }
    /** @param v images per contender call (default 16) @return this */
    public Builder optBatch(int v) { batch = v; return this; }

    /** @return the recipe */
    public ShapleyAgreement build() {
      if (scenes < 1 || forwards < 1 || maxDoublings < 0 || batch < 1 || !(reliability > 0 && reliability <= 1)) {
        throw new IllegalArgumentException("scenes, forwards, batch >= 1; doublings >= 0; reliability in (0, 1]");
      }
      if (explainers.isEmpty() && methods.isEmpty()) throw new IllegalArgumentException("nothing to compare: give an explainer or a method");
      for (String m : methods) Methods.check(List.of(m.contains(":") ? m.substring(0, m.indexOf(':')) : m));
      return new ShapleyAgreement(this);
    }
  }
}
