package dev.tve.evaluate;

import dev.tve.explain.PatchExplainer;
import dev.tve.explain.ReferenceMaps;
import dev.tve.explain.TveExplainer;
import dev.tve.image.Scene;
import dev.tve.image.SceneBatches;
import dev.tve.image.Canvases;
import dev.tve.metric.FaithfulnessCorrelation;
import dev.tve.metric.PatchCurves;
import dev.tve.metric.PointingGame;
import dev.tve.metric.RelevanceMass;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;

/**
 * Runs every method on the same scenes and targets (the head's predicted class) and scores each map:
 * deletion on a black and a normalised-zero canvas, insertion from a blurred copy, faithfulness
 * correlation, the pointing game and relevance mass in the item's box, with each method's wall time
 * and passes. Scenes go in batches; each image's {@link ImageRecord} goes to the sink as soon as its
 * batch is scored, so an interrupted run loses at most one batch.
 *
 * <pre>{@code
 * Evaluation ev = Evaluation.builder(model.encoder(), tve, scenes).optMethods(Methods.ALL).optBlurSigma(4).build();
 * try (RecordFile<ImageRecord> rows = RecordFile.open(out.resolve("rows.jsonl"), ImageRecord.class)) {
 *   ev.run(model.head("ten-class"), sceneIndices, labelToHead, rows::append, done -> {});
 * }
 * }</pre>
 */
public final class Evaluation {
  /** Receives one finished record at a time. */
  @FunctionalInterface
  public interface Sink<T> {
    void accept(T record) throws IOException;
  }

  private final Encoder encoder;
  private final TveExplainer tve;
  private final SceneBatches scenes;
  private final List<String> methods;
  private final double blurSigma;
  private final long seed;
  private final int batch, chunk, subsets;
  private final int grid;

  private Evaluation(Builder b) {
    this.encoder = b.encoder;
    this.tve = b.tve;
    this.scenes = b.scenes;
    this.methods = List.copyOf(b.methods);
    this.blurSigma = b.blurSigma;
    this.seed = b.seed;
    this.batch = b.batch;
    this.chunk = b.chunk;
    this.subsets = b.subsets;
    this.grid = b.tve != null ? b.tve.grid() : b.grid;
  }

  public static Builder builder(Encoder encoder, TveExplainer tve, SceneBatches scenes) {
    return new Builder(encoder, tve, scenes);
  }

  public List<String> methods() { return methods; }
  public int grid() { return grid; }

  /** How a model-dependent method is built for this encoder and head. */
  Methods.Context context(Encoder enc, Head head, TveExplainer explainer) {
    return new Methods.Context(enc, head, explainer, scenes.size(), grid, scenes.mean(), scenes.std(), seed, chunk, blurSigma);
  }

  /**
   * Scores {@code head} on the scenes, in batches; {@code labelToHead} maps a scene label to the
   * head's class (-1 when not one of them); {@code progress} gets the images done so far.
   */
  public void run(Head head, long[] sceneIndices, IntUnaryOperator labelToHead, Sink<ImageRecord> sink, IntConsumer progress) throws IOException {
    int s = scenes.size(), f = s * s, p = grid * grid;
    Methods.Context ctx = context(encoder, head, tve);
    Map<String, PatchExplainer> explainers = new LinkedHashMap<>();
    for (String m : methods) if (!Methods.isReference(m)) explainers.put(m, Methods.create(m, ctx));
    ModelScorer scorer = new ModelScorer(encoder, head, chunk);
    PatchCurves curves = new PatchCurves(scorer, 1, s, grid, chunk);
    FaithfulnessCorrelation fc = new FaithfulnessCorrelation(scorer, 1, s, grid, subsets, FaithfulnessCorrelation.defaultTake(p), seed, chunk);
    float[] mean = {scenes.mean()}, std = {scenes.std()};
    float[] black = Canvases.black(1, s, mean, std), zero = new float[f];
    if (sceneIndices.length > 0) warmUp(explainers.values(), scorer, sceneIndices[0]);
    for (int done = 0; done < sceneIndices.length; done += batch) {
      int b = Math.min(batch, sceneIndices.length - done);
      float[] x = new float[b * f];
      Scene[] sc = new Scene[b];
      for (int i = 0; i < b; i++) {
        sc[i] = scenes.generator().scene(sceneIndices[done + i]);
        scenes.normalise(sc[i], x, i * f);
      }
      int[] predicted = scorer.predict(x, b);
      float[] prob = scorer.probabilities(x, b, predicted);
      Map<String, float[][]> maps = new LinkedHashMap<>();
      Map<String, double[]> cost = new LinkedHashMap<>();
      for (String m : methods) {
        if (Methods.isReference(m)) {
          float[][] r = new float[b][];
          for (int i = 0; i < b; i++) {
            r[i] = m.equals(Methods.RANDOM) ? ReferenceMaps.random(grid, seed, sc[i].index()) : ReferenceMaps.intensity(x, i * f, 1, s, grid, mean, std);
          }
          maps.put(m, r);
          cost.put(m, new double[3]);
          continue;
        }
        PatchExplainer e = explainers.get(m);
        long fw = e.forwardPasses(), bw = e.backwardPasses(), t0 = System.nanoTime();
        maps.put(m, e.explain(x, b, predicted));
        cost.put(m, new double[] {(System.nanoTime() - t0) / 1e9 / b, (double) (e.forwardPasses() - fw) / b, (double) (e.backwardPasses() - bw) / b});
      }
      List<PatchCurves.Job> jobs = new ArrayList<>();
      List<FaithfulnessCorrelation.Job> fcJobs = new ArrayList<>();
      float[][] blurred = new float[b][];
      for (int i = 0; i < b; i++) {
        float[] img = java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f);
        blurred[i] = Canvases.blur(img, 1, s, blurSigma);
        for (String m : methods) {
          int[] order = PatchCurves.order(maps.get(m)[i]);
          jobs.add(new PatchCurves.Job(img, black, order, predicted[i]));
          jobs.add(new PatchCurves.Job(img, zero, order, predicted[i]));
          jobs.add(new PatchCurves.Job(blurred[i], img, order, predicted[i]));
        }
        fcJobs.add(new FaithfulnessCorrelation.Job(img, black, predicted[i], sc[i].index()));
      }
      float[][] y = curves.run(jobs);
      List<FaithfulnessCorrelation.Drops> drops = fc.drops(fcJobs);
      for (int i = 0; i < b; i++) {
        Map<String, ImageRecord.MethodScores> scores = new LinkedHashMap<>();
        for (int k = 0; k < methods.size(); k++) {
          String m = methods.get(k);
          float[] map = maps.get(m)[i];
          int j = (i * methods.size() + k) * 3;
          double[] c = cost.get(m);
          scores.put(m, new ImageRecord.MethodScores(map, PatchCurves.auc(y[j]), PatchCurves.auc(y[j + 1]), PatchCurves.auc(y[j + 2]),
              FaithfulnessCorrelation.score(map, drops.get(i)), PointingGame.hit(PointingGame.top(map), grid, s, sc[i].box()) ? 1 : 0,
              RelevanceMass.inBox(map, grid, s, sc[i].box()), c[0], c[1], c[2], round(y[j]), round(y[j + 1]), round(y[j + 2])));
        }
        sink.accept(new ImageRecord(head.name(), sc[i].index(), sc[i].label(), labelToHead.applyAsInt(sc[i].label()), predicted[i], prob[i],
            y[i * methods.size() * 3 + 2][0], sc[i].box().patchCentreFraction(grid, s), scores));
      }
      progress.accept(done + b);
    }
  }

  /** One untimed explanation per method first, so that no method's time includes libtorch's first-call set-up. */
  private void warmUp(java.util.Collection<PatchExplainer> explainers, ModelScorer scorer, long scene) {
    float[] x = new float[scenes.size() * scenes.size()];
    scenes.normalise(scenes.generator().scene(scene), x, 0);
    int[] t = scorer.predict(x, 1);
    for (PatchExplainer e : explainers) e.explain(x, 1, t);
  }

  /** Maps of the model-dependent methods for another model (a sanity condition), same images and targets. */
  Map<String, float[][]> maps(Methods.Context ctx, float[] x, int n, int[] targets, long[] keys, long salt) {
    int s = scenes.size(), f = s * s;
    Map<String, float[][]> out = new LinkedHashMap<>();
    for (String m : methods) {
      if (Methods.isReference(m)) {
        float[][] r = new float[n][];
        // A fresh random map per condition (salt): a model-independent map passes by chance, as it should.
        for (int i = 0; i < n; i++) {
          r[i] = m.equals(Methods.RANDOM) ? ReferenceMaps.random(grid, seed + salt, keys[i])
              : ReferenceMaps.intensity(x, i * f, 1, s, grid, new float[] {scenes.mean()}, new float[] {scenes.std()});
        }
        out.put(m, r);
      } else {
        out.put(m, Methods.create(m, ctx).explain(x, n, targets));
      }
    }
    return out;
  }

  SceneBatches scenes() { return scenes; }

  private static float[] round(float[] v) {
    float[] r = new float[v.length];
    for (int i = 0; i < v.length; i++) r[i] = Math.round(v[i] * 1e4f) / 1e4f;
    return r;
  }

  /** Builder of {@link Evaluation}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final Encoder encoder;
    private final TveExplainer tve;
    private final SceneBatches scenes;
    private List<String> methods = Methods.ALL;
    private double blurSigma = 4;
    private long seed = 7;
    private int batch = 16, chunk = 128, subsets = 100, grid = 7;

    private Builder(Encoder encoder, TveExplainer tve, SceneBatches scenes) {
      this.encoder = encoder;
      this.tve = tve;
      this.scenes = scenes;
    }

    /** Methods by name ({@link Methods#KNOWN}; default {@link Methods#ALL}). */
    public Builder optMethods(List<String> v) { methods = v; return this; }
    /** The insertion canvas's Gaussian sigma in pixels (default 4; tve evaluate measures it). */
    public Builder optBlurSigma(double v) { blurSigma = v; return this; }
    /** Seed of RISE's masks, KernelSHAP's coalitions, the random map and the correlation subsets (default 7). */
    public Builder optSeed(long v) { seed = v; return this; }
    /** Scenes per batch (default 16). */
    public Builder optBatch(int v) { batch = v; return this; }
    /** Images per encoder call (default 128). */
    public Builder optChunk(int v) { chunk = v; return this; }
    /** Random patch subsets per image for faithfulness correlation (default 100). */
    public Builder optSubsets(int v) { subsets = v; return this; }
    /** The patch grid side when TVE is not compared (default 7). */
    public Builder optGrid(int v) { grid = v; return this; }

    public Evaluation build() {
      Methods.check(methods);
      if (methods.isEmpty()) throw new IllegalArgumentException("no methods");
      if ((methods.contains(Methods.TVE) || methods.contains(Methods.TVE_DISPLAY)) && tve == null) throw new IllegalArgumentException("tve needs an explainer");
      if (scenes.channels() != 1) throw new IllegalArgumentException("scenes are single-channel");
      if (batch < 1 || chunk < 1 || subsets < 2) throw new IllegalArgumentException("batch >= 1, chunk >= 1, subsets >= 2");
      return new Evaluation(this);
    }
  }
}
