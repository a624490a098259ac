package dev.tve.metric;

import dev.tve.explain.Attribution;
import dev.tve.explain.ReferenceMaps;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.image.Canvases;
import dev.tve.image.NativeTensors;
import dev.tve.image.Scene;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The internal faithfulness check of TVE maps on labelled scenes: for the head's predicted class
 * of each scene, the deletion AUC on a black and on a normalised-zero canvas (lower is better),
 * the insertion AUC from a blurred copy (higher is better) and the pointing game (higher is
 * better), for TVE's map and the reference floors (random, patch intensity), each scene's
 * scores kept so that differences can be paired.
 *
 * <pre>{@code
 * FaithfulnessCheck check = FaithfulnessCheck.builder(tve, model.head("ten-class"), scenes)
 *     .optBlurSigma(6).optSeed(7).build();
 * List<FaithfulnessCheck.Row> rows = check.run(FaithfulnessCheck.select(scenes.generator(), head, Set.of(8, 9), 400, 120, 0, 100_000), i -> {});
 * FaithfulnessCheck.Summary s = FaithfulnessCheck.summarise(rows, 7);
 * }</pre>
 */
public final class FaithfulnessCheck {
  /** TVE's display map (smoothed over the mask window, the patch-level attribution). */
  public static final String TVE = "tve";
  /** TVE's per-window map before smoothing. */
  public static final String TVE_RAW = "tve-raw";
  public static final String RANDOM = "random";
  public static final String INTENSITY = "intensity";

  /** The scored quantities, with their directions. */
  public enum Metric {
    DELETION_BLACK("deletion AUC, black canvas", Direction.LOWER_IS_BETTER),
    DELETION_ZERO("deletion AUC, normalised-zero canvas", Direction.LOWER_IS_BETTER),
    INSERTION_BLUR("insertion AUC from the blurred canvas", Direction.HIGHER_IS_BETTER),
    POINTING("pointing game hit rate", Direction.HIGHER_IS_BETTER);

    public final String title;
    public final Direction direction;

    Metric(String title, Direction direction) {
      this.title = title;
      this.direction = direction;
    }
  }

  /** One scene's scores: for each map, one value per {@link Metric} (pointing: 1 hit, 0 miss). */
  public record Row(long scene, int label, boolean heldOutClass, int predicted, float probability, float blurredProbability,
      double chancePointing, Map<String, double[]> scores) {}

  /** Means per map and metric, and the paired comparisons of TVE with each floor, for one group of scenes. */
  public record Group(String name, int scenes, double accuracy, double chancePointing, Map<String, double[]> means,
      Map<String, Map<Metric, PairedDifference>> tveAgainst) {}

  public record Summary(List<Group> groups) {
    /** Markdown tables: means per map, then TVE's paired differences (95 % CI) with each floor. */
    public String markdown() {
      StringBuilder b = new StringBuilder();
      for (Group g : groups) {
        b.append(String.format("### %s (%d scenes; head accuracy %.1f %%; pointing chance %.3f)%n%n", g.name(), g.scenes(),
            100 * g.accuracy(), g.chancePointing()));
        b.append("| map |");
        for (Metric m : Metric.values()) b.append(' ').append(m.title).append(" (").append(m.direction.label()).append(") |");
        b.append("\n|---|");
        for (Metric m : Metric.values()) b.append("---:|");
        b.append('\n');
        g.means().forEach((map, v) -> {
          b.append("| ").append(map).append(" |");
          for (double x : v) b.append(String.format(" %.4f |", x));
          b.append('\n');
        });
        b.append("\n| paired difference (mean [95 % CI]) |");
        for (Metric m : Metric.values()) b.append(' ').append(m.title).append(" |");
        b.append("\n|---|");
        for (Metric m : Metric.values()) b.append("---:|");
        b.append('\n');
        g.tveAgainst().forEach((map, d) -> {
          b.append("| tve - ").append(map).append(" |");
          d.values().forEach(x -> b.append(String.format(" %+.4f [%+.4f, %+.4f]%s |", x.mean(), x.lo(), x.hi(),
              x.better() ? " tve better" : x.significant() ? " tve worse" : "")));
          b.append('\n');
        });
        b.append('\n');
      }
      return b.toString();
    }
  }

  private final TveExplainer tve;
  private final Head head;
  private final SceneBatches scenes;
  private final Set<Integer> heldOut;
  private final List<String> maps;
  private final Map<String, dev.tve.explain.Explainer> explainers;
  private final Map<String, Double> seconds = new LinkedHashMap<>();
  private final double blurSigma;
  private final long seed;
  private final int batch;
  private final ModelScorer scorer;
  private final PatchCurves curves;
  private final float[] black, zero;
  private final float[] mean, std;

  private FaithfulnessCheck(Builder b) {
    this.tve = b.tve;
    this.head = b.head;
    this.scenes = b.scenes;
    this.heldOut = Set.copyOf(b.heldOut);
    this.explainers = new LinkedHashMap<>(b.explainers);
    List<String> all = new ArrayList<>(b.maps);
    for (String name : explainers.keySet()) if (!all.contains(name)) all.add(name);
    this.maps = List.copyOf(all);
    this.blurSigma = b.blurSigma;
    this.seed = b.seed;
    this.batch = b.batch;
    int s = scenes.size();
    this.scorer = new ModelScorer(tve.model().encoder(), head, b.chunk);
    this.curves = new PatchCurves(scorer, 1, s, tve.grid(), b.chunk);
    this.mean = new float[] {scenes.mean()};
    this.std = new float[] {scenes.std()};
    this.black = Canvases.black(1, s, mean, std);
    this.zero = new float[s * s];
  }

  public static Builder builder(TveExplainer tve, Head head, SceneBatches scenes) {
    return new Builder(tve, head, scenes);
  }

  /** Wall seconds each added explainer has spent making its maps so far. */
  public Map<String, Double> explainerSeconds() { return Map.copyOf(seconds); }

  /** Images the model has scored so far (forward passes). */
  public long forwardPasses() { return scorer.images(); }

  /**
   * Scene indices from {@code first} on: the first {@code others} scenes of the head's classes
   * outside {@code heldOut} and the first {@code heldOutCount} inside it, in index order. A head
   * whose class names are some of the scenes' classes only takes scenes of those classes.
   */
  public static long[] select(SceneGenerator gen, Head head, Set<Integer> heldOut, int others, int heldOutCount, long first, long scanLimit) {
    List<String> names = gen.classNames();
    boolean subset = head.classNames().stream().anyMatch(names::contains);
    List<Long> picked = new ArrayList<>();
    int o = 0, h = 0;
    for (long i = first; i < first + scanLimit && (o < others || h < heldOutCount); i++) {
      int label = gen.scene(i).label();
      if (subset && !head.classNames().contains(names.get(label))) continue;
      if (heldOut.contains(label)) {
        if (h < heldOutCount) {
          picked.add(i);
          h++;
        }
      } else if (o < others) {
        picked.add(i);
        o++;
      }
    }
    if (o < others || h < heldOutCount) {
      throw new IllegalStateException("found " + o + " of " + others + " other-class and " + h + " of " + heldOutCount
          + " held-out-class scenes for head " + head.name() + " in " + scanLimit + " scenes");
    }
    return picked.stream().mapToLong(Long::longValue).toArray();
  }

  /** Scores the scenes; {@code progress} gets the count done after each batch. */
  public List<Row> run(long[] sceneIndices, IntConsumer progress) {
    int s = scenes.size(), f = s * s, g = tve.grid();
    List<Row> rows = new ArrayList<>();
    for (int done = 0; done < sceneIndices.length; done += batch) {
      int b = Math.min(batch, sceneIndices.length - done);
      float[] x = new float[b * f];
      Scene[] sc = new Scene[b];
      for (int i = 0; i < b; i++) {
        sc[i] = scenes.generator().scene(sceneIndices[done + i]);
        scenes.normalise(sc[i], x, i * f);
      }
      List<Attribution> attr;
      try (PointerScope scope = new PointerScope()) {
        attr = tve.explain(NativeTensors.copyOf(x, 0, b, 1, s, s),
            List.of(head), TargetSpec.predicted());
      }
      int[] predicted = attr.stream().mapToInt(Attribution::predicted).toArray();
      Map<String, float[][]> classic = new LinkedHashMap<>();
      for (Map.Entry<String, dev.tve.explain.Explainer> e : explainers.entrySet()) {
        long t0 = System.nanoTime();
        long[] keys = new long[b];
        for (int i = 0; i < b; i++) keys[i] = sc[i].index();
        classic.put(e.getKey(), e.getValue().attribute(dev.tve.explain.Images.of(x, b, 1, s, keys), head, predicted, null));
        seconds.merge(e.getKey(), (System.nanoTime() - t0) / 1e9, Double::sum);
      }
      float[][][] mapsOf = new float[b][][];
      float[][] blurred = new float[b][];
      for (int i = 0; i < b; i++) {
        float[] img = java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f);
        blurred[i] = Canvases.blur(img, 1, s, blurSigma);
        Attribution a = attr.get(i);
        float[][] m = new float[maps.size()][];
        for (int k = 0; k < maps.size(); k++) {
          m[k] = switch (maps.get(k)) {
            case TVE -> a.map();
            case TVE_RAW -> a.raw();
            case RANDOM -> ReferenceMaps.random(g, seed, sc[i].index());
            case INTENSITY -> ReferenceMaps.intensity(x, i * f, 1, s, g, mean, std);
            default -> {
              float[][] c = classic.get(maps.get(k));
              if (c == null) throw new IllegalArgumentException("map " + maps.get(k) + ": tve, tve-raw, random, intensity or an added explainer");
              yield c[i];
            }
          };
        }
        mapsOf[i] = m;
      }
      float[][] y = curves.deletionAndInsertion(x, b, black, zero, blurred, mapsOf, predicted);
      for (int i = 0; i < b; i++) {
        Attribution a = attr.get(i);
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (int k = 0; k < maps.size(); k++) {
          int j = (i * maps.size() + k) * 3;
          boolean hit = PointingGame.hit(PointingGame.top(mapsOf[i][k]), g, s, sc[i].box());
          scores.put(maps.get(k), new double[] {PatchCurves.auc(y[j]), PatchCurves.auc(y[j + 1]), PatchCurves.auc(y[j + 2]), hit ? 1 : 0});
        }
        int label = sc[i].label();
        rows.add(new Row(sc[i].index(), label, heldOut.contains(label), a.predicted(), a.probability(), y[i * maps.size() * 3 + 2][0],
            sc[i].box().patchCentreFraction(g, s), scores));
      }
      progress.accept(done + b);
    }
    return rows;
  }

  /**
   * Groups all scenes, held-out-class scenes and the others; in each, means and TVE's paired
   * differences with every other map. {@code labelToHead} maps a scene label to the head's class
   * for the accuracy column (-1: not one of its classes).
   */
  public static Summary summarise(List<Row> rows, java.util.function.IntUnaryOperator labelToHead, long seed) {
    List<Group> groups = new ArrayList<>();
    groups.add(group("all scenes", rows, labelToHead, seed));
    List<Row> held = rows.stream().filter(Row::heldOutClass).toList(), other = rows.stream().filter(r -> !r.heldOutClass()).toList();
    if (!held.isEmpty() && !other.isEmpty()) {
      groups.add(group("held-out-class scenes", held, labelToHead, seed));
      groups.add(group("other scenes", other, labelToHead, seed));
    }
    return new Summary(groups);
  }

  private static Group group(String name, List<Row> rows, java.util.function.IntUnaryOperator labelToHead, long seed) {
    Metric[] metrics = Metric.values();
    List<String> maps = new ArrayList<>(rows.get(0).scores().keySet());
    Map<String, double[]> means = new LinkedHashMap<>();
    for (String m : maps) {
      double[] v = new double[metrics.length];
      for (Row r : rows) for (int k = 0; k < v.length; k++) v[k] += r.scores().get(m)[k] / rows.size();
      means.put(m, v);
    }
    Map<String, Map<Metric, PairedDifference>> against = new LinkedHashMap<>();
    if (maps.contains(TVE)) {
      for (String m : maps) {
        if (m.equals(TVE)) continue;
        Map<Metric, PairedDifference> d = new LinkedHashMap<>();
        for (Metric metric : metrics) {
          double[] a = rows.stream().mapToDouble(r -> r.scores().get(TVE)[metric.ordinal()]).toArray();
          double[] b = rows.stream().mapToDouble(r -> r.scores().get(m)[metric.ordinal()]).toArray();
          d.put(metric, PairedDifference.of(a, b, metric.direction, seed + metric.ordinal()));
        }
        against.put(m, d);
      }
    }
    double acc = rows.stream().filter(r -> labelToHead.applyAsInt(r.label()) >= 0)
        .mapToDouble(r -> labelToHead.applyAsInt(r.label()) == r.predicted() ? 1 : 0).average().orElse(Double.NaN);
    double chance = rows.stream().mapToDouble(Row::chancePointing).average().orElse(Double.NaN);
    return new Group(name, rows.size(), acc, chance, means, against);
  }

  /** Builder of {@link FaithfulnessCheck}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final TveExplainer tve;
    private final Head head;
    private final SceneBatches scenes;
    private Set<Integer> heldOut = Set.of();
    private List<String> maps = List.of(TVE, RANDOM, INTENSITY);
    private final Map<String, dev.tve.explain.Explainer> explainers = new LinkedHashMap<>();
    private double blurSigma = 6;
    private long seed = 7;
    private int batch = 16;
    private int chunk = 128;

    private Builder(TveExplainer tve, Head head, SceneBatches scenes) {
      this.tve = tve;
      this.head = head;
      this.scenes = scenes;
    }

    /** Scene labels reported as held-out classes (the explainer never saw them). */
    public Builder optHeldOutClasses(Set<Integer> v) { heldOut = v; return this; }
    /** Maps to score: tve, tve-raw, random, intensity (default tve, random, intensity). */
    public Builder optMaps(List<String> v) { maps = v; return this; }
    /** Adds a classic explainer's maps under its name (e.g. occlusion), computed for the same targets. */
    public Builder optExplainer(dev.tve.explain.Explainer e) { explainers.put(e.name(), e); return this; }
    /** The insertion canvas's Gaussian sigma in pixels (default 6). */
    public Builder optBlurSigma(double v) { blurSigma = v; return this; }
    /** The random map's seed (default 7). */
    public Builder optSeed(long v) { seed = v; return this; }
    /** Scenes per explainer pass (default 16). */
    public Builder optBatch(int v) { batch = v; return this; }
    /** Perturbed images per encoder call (default 128: larger batches push activations past the allocator's mmap threshold). */
    public Builder optChunk(int v) { chunk = v; return this; }

    public FaithfulnessCheck build() {
      if (!maps.contains(TVE)) throw new IllegalArgumentException("maps must include " + TVE);
      if (scenes.channels() != 1) throw new IllegalArgumentException("scenes are single-channel");
      return new FaithfulnessCheck(this);
    }
  }
}
