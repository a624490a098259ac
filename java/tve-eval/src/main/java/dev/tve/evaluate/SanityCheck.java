package dev.tve.evaluate;

import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.MethodContext;
import dev.tve.model.TargetModel;
import dev.tve.metric.RankCorrelation;
import dev.tve.model.Head;
import dev.tve.model.LinearHead;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Model-randomisation sanity tests (Adebayo et al., 2018): each method explains the same images
 * and classes for a randomised model, and the Spearman correlation between its maps for the model
 * under test and for the randomised one is recorded per image. A map that hardly changes when the
 * model it explains is destroyed is not explaining the model; {@link #PASS_BELOW} is the rule
 * (mean below 0.5 with the upper end of its 95 % CI below 1). Passing is necessary, not a ranking: a
 * fresh random map passes by construction.
 *
 * <pre>{@code
 * SanityCheck.Condition c = new SanityCheck.Condition(SanityCheck.RANDOM_HEAD, model, SanityCheck.randomHead(head, 7), explainer);
 * SanityCheck.run(evaluation, c, originals, done, sanity::append, i -> {});
 * }</pre>
 */
public final class SanityCheck {
  public static final String RANDOM_HEAD = "random-head", SHUFFLED_LABELS = "shuffled-labels", RANDOM_ENCODER = "random-encoder";
  public static final List<String> CONDITIONS = List.of(RANDOM_HEAD, SHUFFLED_LABELS, RANDOM_ENCODER);
  /** A method passes a condition when its mean correlation is below this and the CI's upper end below 1. */
  public static final double PASS_BELOW = 0.5;

  /**
   * A randomised model: the model (its encoder), the head standing in for the head under test, a TVE explainer for that encoder (or null).
   *
   * @param name the condition's name
   * @param model the model
   * @param head the head standing in for the head under test
   * @param explainer its TVE explainer, or null
   */
  public record Condition(String name, TargetModel model, Head head, ExplainerFiles.Loaded explainer) {}

  private SanityCheck() {}

  /** Does a method pass, from its mean correlation and the upper end of the CI. */
  public static boolean passes(double mean, double hi) {
    return mean < PASS_BELOW && hi < 1;
  }

  /**
   * The head with its weights replaced by Gaussian noise of the trained weights' standard deviation
   * (the logits keep their scale) and zero bias; same classes, so the same target indices apply.
   */
  public static LinearHead randomHead(Head head, long seed) {
    if (!(head instanceof LinearHead lin)) throw new IllegalArgumentException("random-head sanity needs a linear head; " + head.name() + " is not");
    float[] w = lin.weight();
    double m = 0, v = 0;
    for (float x : w) m += x / (double) w.length;
    for (float x : w) v += (x - m) * (x - m) / w.length;
    double sd = Math.sqrt(v);
    SplittableRandom r = new SplittableRandom(seed);
    float[] rw = new float[w.length];
    for (int i = 0; i < rw.length; i++) rw[i] = (float) (sd * gaussian(r));
    return new LinearHead(head.name() + "-randomised", rw, new float[head.classes()], head.classNames());
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble(), v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Explains the images of {@code originals} not in {@code done} under condition {@code c} (each
   * with its original predicted class) and sends one record per image to the sink.
   */
  public static void run(Evaluation ev, Condition c, List<ImageRecord> originals, Set<String> done, Evaluation.Sink<SanityRecord> sink,
      IntConsumer progress) throws IOException {
    if (c.head().classes() < 1) throw new IllegalArgumentException("condition head has no classes");
    List<ImageRecord> todo = originals.stream().filter(r -> !done.contains(r.head() + "/" + c.name() + "/" + r.scene())).toList();
    int s = ev.images().size(), f = ev.images().channels() * s * s, batch = 16;
    MethodContext ctx = ev.context(c.model(), c.explainer());
    long salt = 1 + CONDITIONS.indexOf(c.name());
    for (int done0 = 0; done0 < todo.size(); done0 += batch) {
      int b = Math.min(batch, todo.size() - done0);
      float[] x = new float[b * f];
      int[] targets = new int[b];
      long[] keys = new long[b];
      for (int i = 0; i < b; i++) {
        ImageRecord r = todo.get(done0 + i);
        System.arraycopy(ev.images().item(r.scene()).x(), 0, x, i * f, f);
        targets[i] = r.predicted();
        keys[i] = r.scene();
        if (targets[i] >= c.head().classes()) throw new IllegalArgumentException("condition " + c.name() + ": head " + c.head().name() + " has no class " + targets[i]);
      }
      Map<String, float[][]> maps = ev.maps(ctx, c.head(), x, b, targets, keys, salt);
      for (int i = 0; i < b; i++) {
        ImageRecord r = todo.get(done0 + i);
        Map<String, Double> rho = new LinkedHashMap<>();
        for (Map.Entry<String, float[][]> e : maps.entrySet()) {
          ImageRecord.MethodScores orig = r.methods().get(e.getKey());
          // null: a constant map, no rank correlation (the report's "constant" outcome).
          if (orig != null) {
            double v = RankCorrelation.spearman(orig.map(), e.getValue()[i]);
            rho.put(e.getKey(), Double.isFinite(v) ? v : null);
          }
        }
        sink.accept(new SanityRecord(r.head(), c.name(), r.scene(), rho));
      }
      progress.accept(done0 + b);
    }
  }
}
