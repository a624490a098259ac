package dev.tve.evaluate;

import dev.tve.explain.Methods;

import dev.tve.metric.Direction;
import dev.tve.metric.Measure;
import dev.tve.metric.MeanInterval;
import dev.tve.metric.PairedDifference;
import dev.tve.metric.RankCorrelation;
import dev.tve.render.LineChart;
import dev.tve.render.Montage;
import dev.tve.render.Overlay;
import dev.tve.render.PngFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The comparison's tables, from the per-image records: per head, every method's mean and 95 % CI
 * on each faithfulness and localisation measure; TVE's paired difference with each method; the
 * share of the best attribution method's improvement over random that TVE recovers; cost and the
 * break-even with occlusion; rank agreement with TVE and with occlusion; the sanity verdicts. Also
 * written as JSON, as mean curve charts and as an HTML page with side-by-side overlays.
 *
 * <pre>{@code
 * Report r = Report.of(rows.records(), sanity.records(), Methods.ALL, List.of("ten-class"), 783, 7);
 * Files.writeString(out.resolve("summary.md"), r.markdown());
 * }</pre>
 */
public final class Report {
  /** The faithfulness and localisation measures every method gets, with how to read each from a record. */
  static final List<Measure> SCORED = List.of(Measure.DELETION_BLACK, Measure.DELETION_ZERO, Measure.INSERTION_BLUR, Measure.FAITHFULNESS_CORRELATION,
      Measure.POINTING, Measure.RELEVANCE_MASS);
  /** TVE's recovery target applies to these. */
  static final List<Measure> RECOVERY = List.of(Measure.DELETION_BLACK, Measure.DELETION_ZERO, Measure.INSERTION_BLUR);
  static final double RECOVERY_TARGET = 0.9;
  /** Below this many images a report says its intervals are wide. */
  static final int SMALL_SAMPLE = 100;

  /** Everything reported for one head. */
  public record HeadReport(String head, int images, double accuracy, double boxShare, List<Table> tables, Map<String, Object> json,
      Map<String, float[][]> meanCurves) {}

  private final List<HeadReport> heads;
  private final List<String> methods;

  private Report(List<HeadReport> heads, List<String> methods) {
    this.heads = heads;
    this.methods = methods;
  }

  public List<HeadReport> heads() { return heads; }

  static double value(ImageRecord.MethodScores s, Measure m) {
    return switch (m) {
      case DELETION_BLACK -> s.deletionBlack();
      case DELETION_ZERO -> s.deletionZero();
      case INSERTION_BLUR -> s.insertion();
      case FAITHFULNESS_CORRELATION -> s.faithfulnessCorrelation();
      case POINTING -> s.pointing();
      case RELEVANCE_MASS -> s.relevanceMass();
      case SECONDS_PER_IMAGE -> s.seconds();
      case FORWARD_PASSES -> s.forwardPasses();
      case BACKWARD_PASSES -> s.backwardPasses();
      default -> throw new IllegalArgumentException(m + " is not a per-image score");
    };
  }

  /**
   * @param pretrainSeconds the TVE explainer's pre-training time (for the break-even with occlusion; NaN if unknown)
   */
  public static Report of(List<ImageRecord> rows, List<SanityRecord> sanity, List<String> methods, List<String> heads, double pretrainSeconds,
      long seed) {
    List<HeadReport> out = new ArrayList<>();
    for (String h : heads) {
      List<ImageRecord> rs = rows.stream().filter(r -> r.head().equals(h)).toList();
      if (rs.isEmpty()) continue;
      List<SanityRecord> ss = sanity.stream().filter(r -> r.head().equals(h)).toList();
      out.add(head(h, rs, ss, methods, pretrainSeconds, seed));
    }
    return new Report(out, methods);
  }

  /**
   * A measure's per-image values; localisation only on the images that have a box (the others carry
   * NaN); the faithfulness correlation only on the images where no method's map is constant (a constant
   * map has no correlation: its own outcome, counted by {@link #constantImages}), so that every
   * method's values stay paired image by image.
   */
  private static double[] scores(List<ImageRecord> rs, String method, Measure m) {
    boolean localisation = m == Measure.POINTING || m == Measure.RELEVANCE_MASS;
    boolean correlation = m == Measure.FAITHFULNESS_CORRELATION;
    return rs.stream().filter(r -> !localisation || !Double.isNaN(r.boxShare())).filter(r -> !correlation || !anyConstant(r))
        .mapToDouble(r -> value(r.methods().get(method), m)).toArray();
  }

  private static boolean anyConstant(ImageRecord r) {
    return r.methods().values().stream().anyMatch(s -> Double.isNaN(s.faithfulnessCorrelation()));
  }

  /** Images where some method's map was constant (no faithfulness correlation). */
  static long constantImages(List<ImageRecord> rs) {
    return rs.stream().filter(Report::anyConstant).count();
  }

  private static double[] column(List<ImageRecord> rs, String method, ToDoubleFunction<ImageRecord.MethodScores> f) {
    return rs.stream().mapToDouble(r -> f.applyAsDouble(r.methods().get(method))).toArray();
  }

  private static String arrow(Direction d) {
    return d == Direction.HIGHER_IS_BETTER ? "↑" : d == Direction.LOWER_IS_BETTER ? "↓" : "";
  }

  private static HeadReport head(String h, List<ImageRecord> rs, List<SanityRecord> ss, List<String> methods, double pretrainSeconds, long seed) {
    int n = rs.size();
    // Localisation needs boxes: a folder evaluated without them reports faithfulness only.
    boolean boxes = rs.stream().anyMatch(r -> !Double.isNaN(r.boxShare()));
    List<Measure> scored = boxes ? SCORED : SCORED.stream().filter(m -> m != Measure.POINTING && m != Measure.RELEVANCE_MASS).toList();
    String small = n < SMALL_SAMPLE ? String.format("Only %d images (fewer than %d): every interval below is wide, and the recovery and "
        + "break-even figures are indicative only. ", n, SMALL_SAMPLE) : "";
    List<Table> tables = new ArrayList<>();
    Map<String, Object> json = new LinkedHashMap<>();
    double accuracy = rs.stream().filter(r -> r.headLabel() >= 0).mapToDouble(r -> r.headLabel() == r.predicted() ? 1 : 0).average().orElse(Double.NaN);
    double boxShare = rs.stream().mapToDouble(ImageRecord::boxShare).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    json.put("head", h);
    json.put("images", n);
    json.put("accuracy", accuracy);
    json.put("boxShare", boxShare);
    // How far the insertion canvas is from the image, for the model: the target's probability on each.
    double probability = rs.stream().mapToDouble(ImageRecord::probability).average().orElse(Double.NaN);
    double blurredProbability = rs.stream().mapToDouble(ImageRecord::blurredProbability).average().orElse(Double.NaN);
    json.put("targetProbability", probability);
    json.put("blurredTargetProbability", blurredProbability);

    // 1. Means with CIs.
    List<String> header = new ArrayList<>(List.of("method"));
    for (Measure m : scored) header.add(m.title() + " " + arrow(m.direction()));
    List<List<String>> rowsOut = new ArrayList<>();
    Map<String, Object> perMethod = new LinkedHashMap<>();
    Map<String, Map<Measure, MeanInterval>> means = new LinkedHashMap<>();
    for (String m : methods) {
      List<String> row = new ArrayList<>(List.of(m));
      Map<String, Object> mj = new LinkedHashMap<>();
      Map<Measure, MeanInterval> mm = new LinkedHashMap<>();
      for (Measure measure : scored) {
        MeanInterval mi = MeanInterval.of(scores(rs, m, measure), seed + measure.ordinal());
        mm.put(measure, mi);
        row.add(mi.format("%.3f"));
        mj.put(measure.key(), mi);
      }
      means.put(m, mm);
      perMethod.put(m, mj);
      rowsOut.add(row);
    }
    tables.add(new Table("Faithfulness and localisation, mean [95 % CI]", String.format(
        "%s%d images; target: the head's predicted class (head accuracy %s). ↑ higher is better, ↓ lower is better. "
            + (boxes ? "Chance level of the pointing game and of relevance mass (the share of patches in the box): %.3f. " : "No boxes: no localisation.%s ")
            + "The target's mean probability: %.3f on the image, %.3f on the blurred canvas insertion starts from. "
            + "On dark-background images brightness (intensity) scores well on black-filled deletion; the localisation columns show where it does not."
            + (constantImages(rs) > 0 ? " Faithfulness correlation leaves out the " + constantImages(rs) + " images where some method's map was constant "
                + "(no correlation: its own outcome, neither a score nor 0)." : ""),
        small, n, Double.isNaN(accuracy) ? "unknown: no labels" : String.format("%.1f %%", 100 * accuracy), boxes ? boxShare : "",
        probability, blurredProbability), header, rowsOut));
    json.put("smallSample", n < SMALL_SAMPLE);
    json.put("measures", perMethod);

    // 2. TVE against each method, paired.
    if (methods.contains(Methods.TVE)) {
      List<List<String>> diff = new ArrayList<>();
      Map<String, Object> dj = new LinkedHashMap<>();
      for (String m : methods) {
        if (m.equals(Methods.TVE)) continue;
        List<String> row = new ArrayList<>(List.of("tve - " + m));
        Map<String, Object> one = new LinkedHashMap<>();
        for (Measure measure : scored) {
          PairedDifference d = PairedDifference.of(scores(rs, Methods.TVE, measure), scores(rs, m, measure),
              measure.direction(), seed + 100 + measure.ordinal());
          row.add(String.format("%+.3f [%+.3f, %+.3f]%s", d.mean(), d.lo(), d.hi(), d.better() ? " TVE better" : d.significant() ? " TVE worse" : " tie"));
          one.put(measure.key(), d);
        }
        diff.add(row);
        dj.put(m, one);
      }
      List<String> dh = new ArrayList<>(List.of("paired difference"));
      for (Measure measure : scored) dh.add(measure.title() + " " + arrow(measure.direction()));
      tables.add(new Table("TVE against each method: paired difference, mean [95 % CI]",
          "Per-image differences on the same images and targets, bootstrap CI (10,000 resamples). \"TVE better\" / \"TVE worse\": the CI excludes 0.",
          dh, diff));
      json.put("tveAgainst", dj);

      // 3. Recovery of the best attribution method's improvement over random.
      if (methods.contains(Methods.RANDOM)) {
        List<List<String>> rec = new ArrayList<>();
        Map<String, Object> rj = new LinkedHashMap<>();
        Map<Measure, double[]> tveOf = new LinkedHashMap<>(), randomOf = new LinkedHashMap<>();
        for (Measure measure : RECOVERY) {
          tveOf.put(measure, column(rs, Methods.TVE, s -> value(s, measure)));
          randomOf.put(measure, column(rs, Methods.RANDOM, s -> value(s, measure)));
        }
        boolean joined = methods.stream().anyMatch(m -> !JoinedBaselines.method(m).equals(m));
        for (Measure measure : RECOVERY) {
          String best = null;
          for (String m : methods) {
            if (!JoinedBaselines.isAttribution(m)) continue;
            if (best == null || measure.direction().sign() * (means.get(m).get(measure).mean() - means.get(best).get(measure).mean()) > 0) best = m;
          }
          if (best == null) continue;
          double[] tve = tveOf.get(measure), rnd = randomOf.get(measure), bst = column(rs, best, s -> value(s, measure));
          double ratio = recovery(tve, rnd, bst, null);
          double[] ci = recoveryInterval(tve, rnd, bst, seed + 200 + measure.ordinal());
          rec.add(List.of(measure.title() + " " + arrow(measure.direction()), best, String.format("%.3f", mean(bst)), String.format("%.3f", mean(rnd)),
              String.format("%.3f", mean(tve)), String.format("%.2f [%.2f, %.2f]", ratio, ci[0], ci[1]), ratio >= RECOVERY_TARGET ? "met" : "not met"));
          rj.put(measure.key(), ordered("best", best, "bestMean", mean(bst), "randomMean", mean(rnd), "tveMean", mean(tve), "recovery", ratio,
              "lo", ci[0], "hi", ci[1], "met", ratio >= RECOVERY_TARGET));
        }
        tables.add(new Table("Recovery: the share of the best attribution method's improvement over random that TVE reaches (target ≥ 0.90)",
            "(random - TVE) / (random - best) for deletion, (TVE - random) / (best - random) for insertion; best = the attribution method "
                + "(Saliency, IG from black and from blur, Grad-CAM, occlusion, RISE, KernelSHAP) with the best mean"
                + (joined ? ", explaining either output (a name in brackets: the other run's output)" : "") + "; CI: bootstrap over images.",
            List.of("measure", "best method", "best", "random", "TVE", "recovery [95 % CI]", "target"), rec));
        json.put("recovery", rj);

        // The same ratio against each attribution method (against occlusion: the method TVE amortises).
        List<List<String>> each = new ArrayList<>();
        Map<String, Object> ej = new LinkedHashMap<>();
        for (String m : methods) {
          if (!JoinedBaselines.isAttribution(m)) continue;
          List<String> row = new ArrayList<>(List.of(m));
          Map<String, Object> mj = new LinkedHashMap<>();
          for (Measure measure : RECOVERY) {
            double[] tve = tveOf.get(measure), rnd = randomOf.get(measure), other = column(rs, m, s -> value(s, measure));
            if (measure.direction().sign() * (mean(other) - mean(rnd)) <= 0) {      // no gap to recover: the ratio means nothing
              row.add("not better than random");
              mj.put(measure.key(), ordered("betterThanRandom", false));
              continue;
            }
            double ratio = recovery(tve, rnd, other, null);
            double[] ci = recoveryInterval(tve, rnd, other, seed + 300 + measure.ordinal());
            row.add(String.format("%.2f [%.2f, %.2f]", ratio, ci[0], ci[1]));
            mj.put(measure.key(), ordered("betterThanRandom", true, "recovery", ratio, "lo", ci[0], "hi", ci[1]));
          }
          each.add(row);
          ej.put(m, mj);
        }
        List<String> eh = new ArrayList<>(List.of("method"));
        for (Measure measure : RECOVERY) eh.add(measure.title() + " " + arrow(measure.direction()));
        tables.add(new Table("Recovery against each attribution method, [95 % CI]",
            "The same ratio with each method in place of the best: above 1, TVE is further from random than that method.", eh, each));
        json.put("recoveryByMethod", ej);
      }
    }

    // 4. Cost.
    List<List<String>> cost = new ArrayList<>();
    Map<String, Object> cj = new LinkedHashMap<>();
    double tveSec = methods.contains(Methods.TVE) ? mean(column(rs, Methods.TVE, ImageRecord.MethodScores::seconds)) : Double.NaN;
    for (String m : methods) {
      if (Methods.isReference(m)) continue;
      double sec = mean(column(rs, m, ImageRecord.MethodScores::seconds));
      double fw = mean(column(rs, m, ImageRecord.MethodScores::forwardPasses)), bw = mean(column(rs, m, ImageRecord.MethodScores::backwardPasses));
      cost.add(List.of(m, String.format("%.4f", sec), String.format("%.0f", fw), String.format("%.0f", bw), String.format("%.1f", 1 / sec),
          m.equals(Methods.TVE) || Double.isNaN(tveSec) ? "" : String.format("%.4f (%.2f %%)", tveSec / sec, 100 * tveSec / sec)));
      cj.put(m, ordered("secondsPerImage", sec, "forwardPasses", fw, "backwardPasses", bw, "imagesPerSecond", 1 / sec,
          "tveCostRatio", tveSec / sec));
    }
    String breakEven = "";
    double occSec = methods.contains(Methods.OCCLUSION) ? mean(column(rs, Methods.OCCLUSION, ImageRecord.MethodScores::seconds)) : Double.NaN;
    if (occSec <= tveSec) {
      breakEven = String.format(" No break-even with occlusion: TVE (%.4f s per image) is not faster than occlusion (%.4f s) here.", tveSec, occSec);
    } else if (methods.contains(Methods.OCCLUSION) && !Double.isNaN(tveSec) && !Double.isNaN(pretrainSeconds)) {
      double occ = occSec;
      double images = pretrainSeconds / (occ - tveSec);
      breakEven = String.format(" Break-even with occlusion: the explainer's %.0f s of pre-training are paid back after %.0f explanations "
          + "(%.0f s / (%.4f - %.4f) s per image).", pretrainSeconds, Math.ceil(images), pretrainSeconds, occ, tveSec);
      cj.put("breakEvenVsOcclusion", ordered("pretrainSeconds", pretrainSeconds, "explanations", Math.ceil(images)));
    }
    tables.add(new Table("Cost per explanation", "Wall seconds on this machine (1 libtorch thread), in batches of up to 16 images; passes through the model "
        + "under test (TVE: its explainer network and the encoder)." + breakEven,
        List.of("method", "seconds / image", "forward passes", "backward passes", "images / s", "TVE's time as a fraction"), cost));
    json.put("cost", cj);

    // 5. Agreement.
    List<List<String>> agree = new ArrayList<>();
    Map<String, Object> aj = new LinkedHashMap<>();
    for (String m : methods) {
      List<String> row = new ArrayList<>(List.of(m));
      Map<String, Object> one = new LinkedHashMap<>();
      for (String ref : List.of(Methods.TVE, Methods.OCCLUSION)) {
        if (!methods.contains(ref)) continue;
        if (ref.equals(m)) {
          row.add("");
          row.add("");
          continue;
        }
        // A constant map has no rank order: those images are left out of the agreement (not counted as 0).
        double[] sp = rs.stream().mapToDouble(r -> RankCorrelation.spearman(r.methods().get(ref).map(), r.methods().get(m).map())).filter(Double::isFinite).toArray();
        double[] kt = rs.stream().mapToDouble(r -> RankCorrelation.kendall(r.methods().get(ref).map(), r.methods().get(m).map())).filter(Double::isFinite).toArray();
        MeanInterval a = MeanInterval.of(sp, seed + 300), b = MeanInterval.of(kt, seed + 301);
        row.add(a.format("%.2f"));
        row.add(b.format("%.2f"));
        one.put(ref, ordered("spearman", a, "kendall", b));
      }
      agree.add(row);
      aj.put(m, one);
    }
    List<String> ah = new ArrayList<>(List.of("method"));
    for (String ref : List.of(Methods.TVE, Methods.OCCLUSION)) {
      if (methods.contains(ref)) {
        ah.add("Spearman with " + ref);
        ah.add("Kendall with " + ref);
      }
    }
    tables.add(new Table("Agreement between maps, mean [95 % CI]",
        "Rank correlation over the " + rs.get(0).methods().values().iterator().next().map().length + " patches, per image. TVE against occlusion with TVE's own window is the quantity TVE learns to amortise.",
        ah, agree));
    json.put("agreement", aj);

    // 6. Sanity.
    if (!ss.isEmpty()) {
      List<List<String>> san = new ArrayList<>();
      Map<String, Object> sj = new LinkedHashMap<>();
      List<String> conditions = SanityCheck.CONDITIONS.stream().filter(c -> ss.stream().anyMatch(r -> r.condition().equals(c))).toList();
      for (String m : methods) {
        // A method the sanity tests did not run (one joined from another run) has no verdict, not a failing one.
        if (ss.stream().noneMatch(r -> r.spearman().containsKey(m))) continue;
        List<String> row = new ArrayList<>(List.of(m));
        Map<String, Object> one = new LinkedHashMap<>();
        boolean all = true, anyConstant = false;
        for (String c : conditions) {
          List<Double> raw = ss.stream().filter(r -> r.condition().equals(c) && r.spearman().containsKey(m)).map(r -> r.spearman().get(m)).toList();
          // A constant map (before or after randomising) has no rank correlation: its own outcome, neither pass nor fail.
          double[] v = raw.stream().filter(x -> x != null && Double.isFinite(x)).mapToDouble(Double::doubleValue).toArray();
          long constant = raw.size() - v.length;
          if (v.length == 0) {
            anyConstant = true;
            row.add("constant (" + constant + " of " + raw.size() + ")");
            one.put(c, ordered("outcome", "constant", "constantMaps", constant));
            continue;
          }
          MeanInterval mi = MeanInterval.of(v, seed + 400);
          boolean pass = SanityCheck.passes(mi.mean(), mi.hi());
          all &= pass;
          row.add(mi.format("%.2f") + (pass ? " pass" : " FAIL") + (constant > 0 ? "; " + constant + " of " + raw.size() + " constant" : ""));
          one.put(c, ordered("spearman", mi, "outcome", pass ? "pass" : "fail", "pass", pass, "constantMaps", constant));
        }
        String verdict = !all ? "fails" : anyConstant ? "constant" : "passes";
        row.add(verdict);
        one.put("verdict", verdict);
        one.put("passesAll", all && !anyConstant);
        san.add(row);
        sj.put(m, one);
      }
      List<String> sh = new ArrayList<>(List.of("method"));
      for (String c : conditions) sh.add(c + " (Spearman ↓)");
      sh.add("verdict");
      int images = (int) ss.stream().map(SanityRecord::scene).distinct().count();
      tables.add(new Table("Sanity (model randomisation): Spearman between the map for the model and for the randomised model, mean [95 % CI]",
          String.format("%d images per condition. Pass: mean below %.1f and the CI's upper end below 1. random-head: the head's weights replaced by "
              + "Gaussian noise of their own spread; shuffled-labels: the zoo's head trained on shuffled labels; random-encoder: a freshly "
              + "initialised encoder (TorchScript: every weight tensor redrawn from its own mean and spread) under the same head (TVE: an explainer briefly pre-trained against it). Passing is necessary, not a ranking: "
              + "a fresh random map passes by construction, and a map that ignores the model (intensity) fails.", images, SanityCheck.PASS_BELOW),
          sh, san));
      json.put("sanity", sj);
    }

    Map<String, float[][]> curves = new LinkedHashMap<>();
    for (String m : methods) {
      float[][] c = new float[3][];
      for (ImageRecord r : rs) {
        ImageRecord.MethodScores s = r.methods().get(m);
        float[][] one = {s.curveDeletionBlack(), s.curveDeletionZero(), s.curveInsertion()};
        for (int k = 0; k < 3; k++) {
          if (c[k] == null) c[k] = new float[one[k].length];
          for (int q = 0; q < one[k].length; q++) c[k][q] += one[k][q] / n;
        }
      }
      curves.put(m, c);
    }
    return new HeadReport(h, n, accuracy, boxShare, tables, json, curves);
  }

  /** A map that keeps its keys' order (Map.of's order changes from run to run, and summary.json should not). */
  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int k = 0; k < keysAndValues.length; k += 2) m.put((String) keysAndValues[k], keysAndValues[k + 1]);
    return m;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s / v.length;
  }

  /** (random - tve) / (random - best) on the means of the rows picked by idx (all when null); direction-free: both deletion and insertion read as "share of the gap". */
  private static double recovery(double[] tve, double[] rnd, double[] best, int[] idx) {
    double t = 0, r = 0, b = 0;
    int n = idx == null ? tve.length : idx.length;
    for (int i = 0; i < n; i++) {
      int j = idx == null ? i : idx[i];
      t += tve[j];
      r += rnd[j];
      b += best[j];
    }
    return (r - t) / (r - b);
  }

  private static double[] recoveryInterval(double[] tve, double[] rnd, double[] best, long seed) {
    int n = tve.length, resamples = 2000;
    double[] boot = new double[resamples];
    SplittableRandom r = new SplittableRandom(seed);
    int[] idx = new int[n];
    for (int t = 0; t < resamples; t++) {
      for (int i = 0; i < n; i++) idx[i] = r.nextInt(n);
      boot[t] = recovery(tve, rnd, best, idx);
    }
    java.util.Arrays.sort(boot);
    return new double[] {boot[(int) (0.025 * resamples)], boot[(int) (0.975 * resamples) - 1]};
  }

  public String markdown() {
    StringBuilder b = new StringBuilder();
    for (HeadReport h : heads) {
      b.append(String.format("### Head `%s` (%d images)%n%n", h.head(), h.images()));
      if (h.images() < SMALL_SAMPLE) {
        b.append(String.format("**Only %d images: the intervals are wide; treat recovery and break-even as indicative.**%n%n", h.images()));
      }
      for (Table t : h.tables()) b.append(t.markdown());
    }
    return b.toString();
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("methods", methods);
    m.put("measures", java.util.Arrays.stream(Measure.values()).map(x -> ordered("key", x.key(), "title", x.title(), "category",
        x.category().name().toLowerCase(), "direction", x.direction().label())).toList());
    m.put("heads", heads.stream().map(HeadReport::json).toList());
    return m;
  }

  /** Mean deletion (black, zero) and insertion curves per head: three PNGs each; returns their file names. */
  public List<String> writeCharts(Path dir) throws IOException {
    List<String> files = new ArrayList<>();
    String[] names = {"deletion-black", "deletion-zero", "insertion-blur"};
    String[] titles = {"deletion, black canvas (lower is better)", "deletion, normalised-zero canvas (lower is better)", "insertion from blur (higher is better)"};
    for (HeadReport h : heads) {
      for (int k = 0; k < 3; k++) {
        LineChart.Builder c = LineChart.builder(h.head() + ": " + titles[k], "fraction of patches " + (k < 2 ? "removed" : "inserted"),
            "p(target)").optSize(880, 420);
        for (Map.Entry<String, float[][]> e : h.meanCurves().entrySet()) {
          float[] y = e.getValue()[k];
          double[] x = new double[y.length], yy = new double[y.length];
          for (int q = 0; q < y.length; q++) {
            x[q] = (double) q / (y.length - 1);
            yy[q] = y[q];
          }
          c.series(e.getKey(), x, yy);
        }
        String file = "curves-" + h.head() + "-" + names[k] + ".png";
        c.build().write(dir.resolve(file));
        files.add(file);
      }
    }
    return files;
  }

  /**
   * Side-by-side overlays of every method for the first {@code perHead} scenes of each head (maps
   * min-max scaled for display), one PNG row per scene; returns the files, relative to dir.
   */
  public List<String> writeOverlays(Path dir, List<ImageRecord> rows, EvalImages scenes, int grid, int perHead) throws IOException {
    List<String> files = new ArrayList<>();
    Files.createDirectories(dir.resolve("overlays"));
    Overlay overlay = Overlay.builder().optScale(3).build();
    for (HeadReport h : heads) {
      List<ImageRecord> rs = rows.stream().filter(r -> r.head().equals(h.head())).limit(perHead).toList();
      for (ImageRecord r : rs) {
        byte[] pixels = scenes.display(scenes.item(r.scene()).x(), 1f);
        int side = scenes.size();
        List<Mat> tiles = new ArrayList<>();
        try {
          for (String m : methods) tiles.add(overlay.draw(pixels, side, side, scenes.channels(), display(r.methods().get(m).map()), grid, m));
          String file = "overlays/" + h.head() + "-" + r.scene() + ".png";
          try (Mat row = Montage.tile(tiles, tiles.size())) {
            PngFiles.write(dir.resolve(file), row);
          }
          files.add(file);
        } finally {
          for (Mat t : tiles) t.close();
        }
      }
    }
    return files;
  }

  private static float[] display(float[] map) {
    float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
    for (float v : map) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    float[] out = new float[map.length];
    for (int i = 0; i < map.length; i++) out[i] = hi > lo ? (map[i] - lo) / (hi - lo) : 0;
    return out;
  }

  /** A self-contained HTML page: the tables, the curve charts and the overlays (relative links). */
  public String html(String heading, String setup, List<String> charts, List<String> overlays) {
    StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(Table.escape(heading))
        .append("</title>\n<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto}table{border-collapse:collapse;margin-bottom:1em}"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}td:first-child,th:first-child{text-align:left}"
            + "img{max-width:100%}</style></head><body>\n<h1>").append(Table.escape(heading)).append("</h1>\n<p>").append(Table.escape(setup)).append("</p>\n");
    for (HeadReport h : heads) {
      b.append("<h2>Head ").append(Table.escape(h.head())).append(" (").append(h.images()).append(" images)</h2>\n");
      for (Table t : h.tables()) b.append(t.html());
      b.append("<h3>Mean curves</h3>\n");
      for (String c : charts) if (c.startsWith("curves-" + h.head() + "-")) b.append("<img src=\"").append(Table.escape(c)).append("\" width=\"460\">\n");
      b.append("<h3>Overlays (").append(Table.escape(String.join(", ", methods))).append(")</h3>\n");
      for (String o : overlays) if (o.startsWith("overlays/" + h.head() + "-")) b.append("<div><img src=\"").append(Table.escape(o)).append("\"></div>\n");
    }
    return b.append("</body></html>\n").toString();
  }
}
