package dev.tve.evaluate;

import dev.tve.explain.Images;
import dev.tve.explain.Verifier;
import dev.tve.image.DecodedImage;
import dev.tve.image.FashionMnist;
import dev.tve.image.ImageDecoder;
import dev.tve.image.LabeledImages;
import dev.tve.image.Preprocessing;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.SceneVariant;
import dev.tve.image.Splits;
import dev.tve.model.TargetModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * How well {@code --verify} separates what the model never saw from its test scenes, every input in
 * the model's own format (56 x 56 grey for the zoo): the two scores ({@code fitError}: higher is
 * worse; {@code distance}: higher is less typical) and their combination (each divided by its
 * threshold, the larger taken) as AUROC against in-distribution test scenes (1 is perfect, 0.5 is
 * chance; higher is better), and the rate at which each flag fires at its calibrated threshold (on
 * in-distribution sets lower is better, on the others higher). Seeded; prints nothing.
 *
 * <pre>{@code
 * List<VerifyBenchmark.Row> rows = VerifyBenchmark.builder(model, verifier, fashionDir).optPhotos(Path.of("samples/photos")).build().run();
 * }</pre>
 */
public final class VerifyBenchmark {
  /**
   * One image set.
   *
   * @param set its name
   * @param inDistribution whether it is in distribution (test scenes, trained variants) or not
   * @param n images
   * @param aurocFit AUROC of fitError against the in-distribution test scenes (NaN for those, or without an explainer)
   * @param aurocDistance the same for distance
   * @param aurocEither the same for the combined score
   * @param notFit the fraction flagged explainerFit = false
   * @param notInDistribution the fraction flagged inDistribution = false
   * @param either the fraction with either flag false
   */
  public record Row(String set, boolean inDistribution, int n, double aurocFit, double aurocDistance, double aurocEither, double notFit,
      double notInDistribution, double either) {}

  private final TargetModel model;
  private final Verifier verifier;
  private final Path fashionDir, photos;
  private final int n;
  private final long seed;
  private final double fitThreshold, distanceThreshold;

  private VerifyBenchmark(Builder b) {
    model = b.model;
    verifier = b.verifier;
    fashionDir = b.fashionDir;
    photos = b.photos;
    n = b.n;
    seed = b.seed;
    fitThreshold = b.verifier.fitThreshold();
    distanceThreshold = b.verifier.distanceThreshold();
  }

  /**
   * @param model a built-in scene model
   * @param verifier its verifier (calibrated)
   * @param fashionDir the Fashion-MNIST folder
   * @return a builder
   */
  public static Builder builder(TargetModel model, Verifier verifier, Path fashionDir) {
    return new Builder(model, verifier, fashionDir);
  }

  /**
   * @return one row per set: the in-distribution test scenes, their variants, then the other sets
   * @throws IOException when data cannot be read
   */
  public List<Row> run() throws IOException {
    Preprocessing pre = model.input().preprocessing();
    int s = pre.height();
    LabeledImages test = FashionMnist.load(fashionDir, FashionMnist.Split.TEST);
    float mean = model.input().mean()[0], std = model.input().std()[0];
    long sceneSeed = model.card().seed() + 2;                     // the encoder's own test scenes
    SceneGenerator gen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(sceneSeed).build();
    Map<String, float[]> sets = new LinkedHashMap<>();
    Map<String, Boolean> inDist = new LinkedHashMap<>();
    sets.put("test scenes (clean)", scenes(new SceneBatches(gen, mean, std), n));
    inDist.put("test scenes (clean)", true);
    int per = Math.max(50, n / 4);
    for (SceneVariant v : SceneVariant.trainedFamilies()) {
      sets.put("test scenes, " + v.name(), scenes(new SceneBatches(gen.withVariant(v), mean, std), per));
      inDist.put("test scenes, " + v.name(), true);
    }
    for (SceneVariant v : SceneVariant.unseenFamily()) {
      sets.put("test scenes, " + v.name(), scenes(new SceneBatches(gen.withVariant(v), mean, std), per));
      inDist.put("test scenes, " + v.name(), true);
    }
    SplittableRandom r = new SplittableRandom(seed);
    if (photos != null) {
      sets.put("photos, random crops (" + photos.getFileName() + ")", normalise(pre, photoCrops(photos, per, r)));
      inDist.put("photos, random crops (" + photos.getFileName() + ")", false);
    }
    sets.put("Fashion-MNIST items filling the frame", normalise(pre, items(test, per, r)));
    sets.put("drawn shapes and text", normalise(pre, drawings(s, per, r)));
    sets.put("uniform noise", normalise(pre, noise(s, per, r, false)));
    sets.put("smooth noise", normalise(pre, noise(s, per, r, true)));
    for (String k : sets.keySet()) inDist.putIfAbsent(k, false);

    Map<String, List<Verifier.Verdict>> verdicts = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : sets.entrySet()) verdicts.put(e.getKey(), verdicts(e.getValue(), pre));
    List<Verifier.Verdict> id = verdicts.values().iterator().next();
    List<Row> rows = new ArrayList<>();
    boolean first = true;
    for (Map.Entry<String, List<Verifier.Verdict>> e : verdicts.entrySet()) {
      List<Verifier.Verdict> v = e.getValue();
      double auFit = first ? Double.NaN : auroc(score(id, 0), score(v, 0)), auDist = first ? Double.NaN : auroc(score(id, 1), score(v, 1));
      double auEither = first ? Double.NaN : auroc(score(id, 2), score(v, 2));
      rows.add(new Row(e.getKey(), inDist.get(e.getKey()), v.size(), auFit, auDist, auEither, rate(v, 0), rate(v, 1), rate(v, 2)));
      first = false;
    }
    return rows;
  }

  /** Scores per verdict: 0 fitError, 1 distance, 2 the larger of each over its threshold. */
  private double[] score(List<Verifier.Verdict> v, int which) {
    double[] o = new double[v.size()];
    for (int i = 0; i < o.length; i++) {
      Verifier.Verdict d = v.get(i);
      o[i] = which == 0 ? d.fitError() : which == 1 ? d.distance() : Math.max(d.fitError() / fitThreshold, d.distance() / distanceThreshold);
    }
    return o;
  }

  /** Fraction flagged: 0 explainerFit false, 1 inDistribution false, 2 either. */
  private static double rate(List<Verifier.Verdict> v, int which) {
    int k = 0, known = 0;
    for (Verifier.Verdict d : v) {
      Boolean f = which == 0 ? d.explainerFit() : which == 1 ? d.inDistribution() : d.trusted();
      if (f == null) continue;
      known++;
      if (!f) k++;
    }
    return known == 0 ? Double.NaN : (double) k / known;
  }

  /**
   * Area under the ROC curve of telling {@code positive} (out of distribution) from {@code negative}
   * by a higher score: the Mann-Whitney probability, ties counted half. NaN when a side is empty or
   * any score is NaN.
   *
   * @param negative in-distribution scores
   * @param positive out-of-distribution scores
   * @return AUROC in [0, 1]
   */
  public static double auroc(double[] negative, double[] positive) {
    if (negative.length == 0 || positive.length == 0) return Double.NaN;
    for (double v : negative) if (Double.isNaN(v)) return Double.NaN;
    for (double v : positive) if (Double.isNaN(v)) return Double.NaN;
    double[] neg = negative.clone();
    java.util.Arrays.sort(neg);
    double sum = 0;
    for (double p : positive) {
      int below = lowerBound(neg, p), notAbove = upperBound(neg, p);
      sum += below + 0.5 * (notAbove - below);
    }
    return sum / ((double) negative.length * positive.length);
  }

  private static int lowerBound(double[] a, double v) {
    int lo = 0, hi = a.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (a[m] < v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private static int upperBound(double[] a, double v) {
    int lo = 0, hi = a.length;
    while (lo < hi) {
      int m = (lo + hi) >>> 1;
      if (a[m] <= v) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private List<Verifier.Verdict> verdicts(float[] x, Preprocessing pre) {
    int f = pre.size(), count = x.length / f, batch = 64;
    List<Verifier.Verdict> out = new ArrayList<>(count);
    for (int done = 0; done < count; done += batch) {
      int b = Math.min(batch, count - done);
      float[] chunk = java.util.Arrays.copyOfRange(x, done * f, (done + b) * f);
      out.addAll(verifier.check(Images.of(chunk, b, pre.channels(), pre.height()), seed + done));
    }
    return out;
  }

  private static float[] scenes(SceneBatches b, int count) {
    float[] x = new float[count * b.imageFloats()];
    b.fill(0, count, x);
    return x;
  }

  private static float[] normalise(Preprocessing pre, List<DecodedImage> images) {
    float[] x = new float[images.size() * pre.size()];
    for (int i = 0; i < images.size(); i++) pre.apply(images.get(i), x, i * pre.size());
    return x;
  }

  /** Each photo whole, then random square crops (side 30-100 % of the short side) until {@code count}. */
  private static List<DecodedImage> photoCrops(Path folder, int count, SplittableRandom r) throws IOException {
    List<DecodedImage> photos = new ArrayList<>();
    ImageDecoder dec = ImageDecoder.create();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path p : files.filter(f -> dev.tve.image.ImageFolder.isImageName(f)).sorted().toList()) photos.add(dec.decode(p));
    }
    if (photos.isEmpty()) throw new IllegalArgumentException(folder + ": no photos");
    List<DecodedImage> out = new ArrayList<>(photos);
    while (out.size() < count) {
      DecodedImage p = photos.get(out.size() % photos.size());
      int side = (int) (Math.min(p.width(), p.height()) * (0.3 + 0.7 * r.nextDouble()));
      int x0 = r.nextInt(p.width() - side + 1), y0 = r.nextInt(p.height() - side + 1), c = p.channels();
      float[] px = new float[side * side * c];
      for (int y = 0; y < side; y++) System.arraycopy(p.pixels(), ((y0 + y) * p.width() + x0) * c, px, y * side * c, side * c);
      out.add(new DecodedImage(side, side, c, px, "crop", 8));
    }
    return out.subList(0, count);
  }

  /** Test-split items alone, each filling the frame (the model only ever saw them a quarter of its canvas). */
  private static List<DecodedImage> items(LabeledImages test, int count, SplittableRandom r) {
    List<DecodedImage> out = new ArrayList<>();
    int h = test.height(), w = test.width();
    for (int i = 0; i < count; i++) {
      int item = r.nextInt(test.size());
      float[] px = new float[h * w];
      for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) px[y * w + x] = test.pixel(item, y, x) / 255f;
      out.add(new DecodedImage(w, h, 1, px, "item", 8));
    }
    return out;
  }

  /** Random circles, rectangles, lines and text on a black canvas. */
  private static List<DecodedImage> drawings(int s, int count, SplittableRandom r) {
    List<DecodedImage> out = new ArrayList<>();
    String glyphs = "0123456789ABCDEFGHKMNPRSTXYZ";
    for (int i = 0; i < count; i++) {
      try (Mat m = new Mat(s, s, opencv_core.CV_8UC1, Scalar.all(0))) {
        int shapes = 1 + r.nextInt(3);
        for (int k = 0; k < shapes; k++) {
          Scalar colour = Scalar.all(120 + r.nextInt(136));
          int thick = r.nextBoolean() ? -1 : 1 + r.nextInt(3);
          switch (r.nextInt(4)) {
            case 0 -> opencv_imgproc.circle(m, new Point(r.nextInt(s), r.nextInt(s)), 4 + r.nextInt(s / 3), colour, thick, opencv_imgproc.LINE_AA, 0);
            case 1 -> opencv_imgproc.rectangle(m, new Point(r.nextInt(s), r.nextInt(s)), new Point(r.nextInt(s), r.nextInt(s)), colour, thick,
                opencv_imgproc.LINE_8, 0);
            case 2 -> opencv_imgproc.line(m, new Point(r.nextInt(s), r.nextInt(s)), new Point(r.nextInt(s), r.nextInt(s)), colour, 1 + r.nextInt(3),
                opencv_imgproc.LINE_AA, 0);
            default -> opencv_imgproc.putText(m, String.valueOf(glyphs.charAt(r.nextInt(glyphs.length()))), new Point(r.nextInt(s / 2), s / 3 + r.nextInt(s / 2)),
                opencv_imgproc.FONT_HERSHEY_SIMPLEX, 0.6 + r.nextDouble(), colour, 1 + r.nextInt(3), opencv_imgproc.LINE_AA, false);
          }
        }
        byte[] b = new byte[s * s];
        new BytePointer(m.data()).get(b);
        float[] px = new float[s * s];
        for (int q = 0; q < px.length; q++) px[q] = (b[q] & 0xff) / 255f;
        out.add(new DecodedImage(s, s, 1, px, "drawing", 8));
      }
    }
    return out;
  }

  /** Uniform noise in [0, 1], or the same box-blurred (5 x 5) and stretched back to [0, 1]. */
  private static List<DecodedImage> noise(int s, int count, SplittableRandom r, boolean smooth) {
    List<DecodedImage> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] px = new float[s * s];
      for (int q = 0; q < px.length; q++) px[q] = (float) r.nextDouble();
      if (smooth) {
        float[] o = new float[px.length];
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (int y = 0; y < s; y++) {
          for (int x = 0; x < s; x++) {
            float sum = 0;
            int k = 0;
            for (int dy = -2; dy <= 2; dy++) for (int dx = -2; dx <= 2; dx++) {
              int yy = y + dy, xx = x + dx;
              if (yy >= 0 && yy < s && xx >= 0 && xx < s) {
                sum += px[yy * s + xx];
                k++;
              }
            }
            o[y * s + x] = sum / k;
            lo = Math.min(lo, o[y * s + x]);
            hi = Math.max(hi, o[y * s + x]);
          }
        }
        for (int q = 0; q < o.length; q++) o[q] = (o[q] - lo) / Math.max(1e-6f, hi - lo);
        px = o;
      }
      out.add(new DecodedImage(s, s, 1, px, smooth ? "smooth noise" : "noise", 8));
    }
    return out;
  }

  /** Builder of {@link VerifyBenchmark}. */
  public static final class Builder {
    private final TargetModel model;
    private final Verifier verifier;
    private final Path fashionDir;
    private Path photos;
    private int n = 1000;
    private long seed = 7;

    private Builder(TargetModel model, Verifier verifier, Path fashionDir) {
      this.model = model;
      this.verifier = verifier;
      this.fashionDir = fashionDir;
    }

    /** @param v a folder of photos, cropped at random (default none) @return this */
    public Builder optPhotos(Path v) { photos = v; return this; }
    /** @param v in-distribution test scenes (default 1000; other sets get a quarter, at least 50) @return this */
    public Builder optScenes(int v) { n = v; return this; }
    /** @param v seed of the generated sets and the fit check's centres (default 7) @return this */
    public Builder optSeed(long v) { seed = v; return this; }
    /** @return the benchmark */
    public VerifyBenchmark build() {
      if (n < 10) throw new IllegalArgumentException("scenes: " + n);
      return new VerifyBenchmark(this);
    }
  }
}
