package dev.tve.evaluate;

import dev.tve.explain.Explainer;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.image.Box;
import dev.tve.image.Canvases;
import dev.tve.metric.FaithfulnessCorrelation;
import dev.tve.metric.PatchCurves;
import dev.tve.metric.PointingGame;
import dev.tve.metric.RelevanceMass;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import dev.tve.model.TargetModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;

/**
 * Runs every method on the same images (generated scenes or a user's folder) and targets (the head's
 * predicted class) and scores each map:
 * deletion on a black and a normalised-zero canvas, insertion from a blurred copy, faithfulness
 * correlation, the pointing game and relevance mass in the object's box (NaN without one), with each method's wall time
 * and passes. Scenes go in batches; each image's {@link ImageRecord} goes to the sink as soon as its
 * batch is scored, so an interrupted run loses at most one batch.
 *
 * <pre>{@code
 * Evaluation ev = Evaluation.builder(model, explainer, scenes).optMethods(Methods.ALL).optBlurSigma(4).build();
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

  private final TargetModel model;
  private final Encoder encoder;
  private final ExplainerFiles.Loaded explainer;
  private final EvalImages scenes;
  private final MethodSettings settings;
  private final List<String> methods;
  private final double blurSigma;
  private final long seed;
  private final int batch, chunk, subsets;
  private final int grid;

  private Evaluation(Builder b) {
    this.model = b.model;
    this.encoder = b.model.encoder();
    this.explainer = b.explainer;
    this.scenes = b.scenes;
    this.methods = List.copyOf(b.methods);
    this.blurSigma = b.blurSigma;
    this.seed = b.seed;
    this.batch = b.batch;
    this.chunk = b.chunk;
    this.subsets = b.subsets;
    this.grid = b.explainer != null ? b.explainer.network().config().grid() : b.grid;
    this.settings = MethodSettings.builder().optOutput(b.output).optSeed(b.seed).optBlurSigma(b.blurSigma).optInternalBatchSize(b.chunk).build();
  }

  /**
   * @param model the model under test
   * @param explainer its TVE explainer, or null when TVE is not compared
   * @param scenes the images: generated scenes or a user's folder
   * @return a builder
   */
  public static Builder builder(TargetModel model, ExplainerFiles.Loaded explainer, EvalImages scenes) {
    return new Builder(model, explainer, scenes);
  }

  /** @return the methods' settings (explained output, seed, blur, internal batch size) */
  public MethodSettings settings() { return settings; }

  public List<String> methods() { return methods; }
  public int grid() { return grid; }

  /** How the methods are built for a model (the one under test, or a sanity condition's) and its explainer. */
  MethodContext context(TargetModel m, ExplainerFiles.Loaded e) {
    return new MethodContext(m, e, null, settings);
  }

  /**
   * Scores {@code head} on the scenes, in batches; {@code labelToHead} maps a scene label to the
   * head's class (-1 when not one of them); {@code progress} gets the images done so far.
   */
  public void run(Head head, long[] sceneIndices, IntUnaryOperator labelToHead, Sink<ImageRecord> sink, IntConsumer progress) throws IOException {
    int s = scenes.size(), c = scenes.channels(), f = c * s * s, p = grid * grid;
    MethodContext ctx = context(model, explainer);
    Map<String, Explainer> explainers = new LinkedHashMap<>();
    for (String m : methods) explainers.put(m, Methods.create(m, ctx));
    ModelScorer scorer = new ModelScorer(encoder, head, chunk);
    PatchCurves curves = new PatchCurves(scorer, c, s, grid, chunk);
    FaithfulnessCorrelation fc = new FaithfulnessCorrelation(scorer, c, s, grid, subsets, FaithfulnessCorrelation.defaultTake(p), seed, chunk);
    float[] mean = scenes.mean(), std = scenes.std();
    float[] black = Canvases.black(c, s, mean, std), zero = new float[f];
    if (sceneIndices.length > 0) warmUp(explainers.values(), head, scorer, sceneIndices[0]);
    // Small runs go image by image, so that progress counts images.
    int step = Math.max(1, Math.min(batch, sceneIndices.length / 8));
    for (int done = 0; done < sceneIndices.length; done += step) {
      int b = Math.min(step, sceneIndices.length - done);
      float[] x = new float[b * f];
      EvalImages.Item[] sc = new EvalImages.Item[b];
      long[] keys = new long[b];
      for (int i = 0; i < b; i++) {
        sc[i] = scenes.item(sceneIndices[done + i]);
        System.arraycopy(sc[i].x(), 0, x, i * f, f);
        keys[i] = sc[i].index();
      }
      Images images = Images.of(x, b, c, s, keys);
      int[] predicted = scorer.predict(x, b);
      float[] prob = scorer.probabilities(x, b, predicted);
      Map<String, float[][]> maps = new LinkedHashMap<>();
      Map<String, double[]> cost = new LinkedHashMap<>();
      for (String m : methods) {
        Explainer e = explainers.get(m);
        long fw = e.forwardPasses(), bw = e.backwardPasses(), t0 = System.nanoTime();
        maps.put(m, e.attribute(images, head, predicted, null));
        cost.put(m, Methods.isReference(m) ? new double[3]
            : new double[] {(System.nanoTime() - t0) / 1e9 / b, (double) (e.forwardPasses() - fw) / b, (double) (e.backwardPasses() - bw) / b});
      }
      List<FaithfulnessCorrelation.Job> fcJobs = new ArrayList<>();
      float[][] blurred = new float[b][];
      float[][][] mapsOf = new float[b][methods.size()][];
      for (int i = 0; i < b; i++) {
        float[] img = java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f);
        blurred[i] = Canvases.blur(img, c, s, blurSigma);
        for (int k = 0; k < methods.size(); k++) mapsOf[i][k] = maps.get(methods.get(k))[i];
        fcJobs.add(new FaithfulnessCorrelation.Job(img, black, predicted[i], sc[i].index()));
      }
      float[][] y = curves.deletionAndInsertion(x, b, black, zero, blurred, mapsOf, predicted);
      List<FaithfulnessCorrelation.Drops> drops = fc.drops(fcJobs);
      for (int i = 0; i < b; i++) {
        Map<String, ImageRecord.MethodScores> scores = new LinkedHashMap<>();
        Box box = sc[i].box();
        for (int k = 0; k < methods.size(); k++) {
          String m = methods.get(k);
          float[] map = maps.get(m)[i];
          int j = (i * methods.size() + k) * 3;
          double[] cst = cost.get(m);
          double pointing = box == null ? Double.NaN : PointingGame.hit(PointingGame.top(map), grid, s, box) ? 1 : 0;
          double mass = box == null ? Double.NaN : RelevanceMass.inBox(map, grid, s, box);
          scores.put(m, new ImageRecord.MethodScores(map, PatchCurves.auc(y[j]), PatchCurves.auc(y[j + 1]), PatchCurves.auc(y[j + 2]),
              FaithfulnessCorrelation.score(map, drops.get(i)), pointing, mass, cst[0], cst[1], cst[2], round(y[j]), round(y[j + 1]), round(y[j + 2])));
        }
        int label = sc[i].label();
        sink.accept(new ImageRecord(head.name(), sc[i].index(), label, label < 0 ? -1 : labelToHead.applyAsInt(label), predicted[i], prob[i],
            y[i * methods.size() * 3 + 2][0], box == null ? Double.NaN : box.patchCentreFraction(grid, s), scores,
            scenes instanceof SceneImages ? null : sc[i].name()));
      }
      progress.accept(done + b);
    }
  }

  /** One untimed explanation per method first, so that no method's time includes libtorch's first-call set-up. */
  private void warmUp(java.util.Collection<Explainer> explainers, Head head, ModelScorer scorer, long scene) {
    float[] x = scenes.item(scene).x();
    int[] t = scorer.predict(x, 1);
    for (Explainer e : explainers) e.attribute(Images.of(x, 1, scenes.channels(), scenes.size(), new long[] {scene}), head, t, null);
  }

  /**
   * Maps of every method for another model (a sanity condition), same images and targets; the random
   * floor draws afresh per condition ({@code salt}), so a model-independent map passes by chance, as it should.
   */
  Map<String, float[][]> maps(MethodContext ctx, Head head, float[] x, int n, int[] targets, long[] keys, long salt) {
    Images images = Images.of(x, n, scenes.channels(), scenes.size(), keys);
    Map<String, float[][]> out = new LinkedHashMap<>();
    for (String m : methods) {
      MethodContext c = m.equals(Methods.RANDOM) ? ctx.withSettings(settings.toBuilder().optSeed(seed + salt).build()) : ctx;
      out.put(m, Methods.create(m, c).attribute(images, head, targets, null));
    }
    return out;
  }

  EvalImages images() { return scenes; }

  private static float[] round(float[] v) {
    float[] r = new float[v.length];
    for (int i = 0; i < v.length; i++) r[i] = Math.round(v[i] * 1e4f) / 1e4f;
    return r;
  }

  /** Builder of {@link Evaluation}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final TargetModel model;
    private final ExplainerFiles.Loaded explainer;
    private final EvalImages scenes;
    private List<String> methods = Methods.ALL;
    private dev.tve.model.ExplainedOutput output = dev.tve.model.ExplainedOutput.LOGIT;
    private double blurSigma = 4;
    private long seed = 7;
    private int batch = 16, chunk = 128, subsets = 100, grid = 7;

    private Builder(TargetModel model, ExplainerFiles.Loaded explainer, EvalImages scenes) {
      this.model = model;
      this.explainer = explainer;
      this.scenes = scenes;
    }

    /** @param v the output every method explains (default the logit) @return this */
    public Builder optOutput(dev.tve.model.ExplainedOutput v) { output = v; return this; }

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
      if ((methods.contains(Methods.TVE) || methods.contains(Methods.TVE_DISPLAY)) && explainer == null) throw new IllegalArgumentException("tve needs an explainer");
      if (scenes.channels() != model.input().channels() || scenes.size() != model.input().size()) {
        throw new IllegalArgumentException("images are " + scenes.channels() + "x" + scenes.size() + ", the model takes " + model.input().channels()
            + "x" + model.input().size());
      }
      if (batch < 1 || chunk < 1 || subsets < 2) throw new IllegalArgumentException("batch >= 1, chunk >= 1, subsets >= 2");
      return new Evaluation(this);
    }
  }
}
