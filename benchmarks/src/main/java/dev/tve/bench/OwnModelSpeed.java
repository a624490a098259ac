package dev.tve.bench;

import dev.tve.explain.ExplainerCard;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.Explainer;
import dev.tve.explain.Images;
import dev.tve.explain.MethodContext;
import dev.tve.explain.MethodSettings;
import dev.tve.explain.Methods;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import dev.tve.model.TargetModel;
import dev.tve.model.TorchScriptEncoder;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Speed at a real resolution on users' TorchScript encoders (benchmarks/run-own-model-speed.sh):
 * for each imported model folder, plain inference (encoder + head) and TVE explain (explainer pass
 * + transfer rule; the explainer untrained but of the right geometry: a copy of the encoder's trunk
 * and two mixer heads) in img/s, median of 3 timed runs after a warm-up, in one process; then
 * seconds per image for occlusion, Integrated Gradients (50 steps) and KernelSHAP on 2 images.
 * Prints a markdown table.
 */
public final class OwnModelSpeed {
  private OwnModelSpeed() {}

  public static void main(String[] args) throws Exception {
    int threads = ThreadPolicy.apply();
    int batch = 16, reps = 2;
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "| encoder | grid | plain inference, img/s | TVE explain, img/s | TVE / inference | occlusion, s/image | "
        + "IG (50 steps), s/image | KernelSHAP, s/image |%n|---|---:|---:|---:|---:|---:|---:|---:|%n"));
    for (String a : args) {
      Path dir = Path.of(a);
      try (TargetModel m = TargetModel.load(dir)) {
        TorchScriptEncoder enc = (TorchScriptEncoder) m.encoder();
        int g = m.input().grid(), s = m.input().size();
        ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.copying(enc, ExplainerNetwork.Shape.SHARED, s / g, 2), enc.trainableCopy());
        net.eval();
        ExplainerCard card = ExplainerCard.of("explainer", net.config(), m.card().weightsSha256(), 1, 1, 1, "untrained: speed only", Map.of(),
            List.of(), "", null, null, null, "bench");
        try (ExplainerFiles.Loaded loaded = new ExplainerFiles.Loaded(net, card)) {
          Head head = m.heads().values().iterator().next();
          float[] x = images(batch, 3 * s * s, 11);
          Images img = Images.of(x, batch, 3, s);
          ModelScorer scorer = new ModelScorer(enc, head, batch);
          MethodContext ctx = new MethodContext(m, loaded, null, MethodSettings.builder().optNSteps(50).build());
          Explainer tve = Methods.create(Methods.TVE, ctx);
          int[] targets = scorer.predict(x, batch);
          double plain = median(3, () -> rate(reps, batch, () -> scorer.predict(x, batch)));
          double explain = median(3, () -> rate(reps, batch, () -> tve.attribute(img, head, targets, null)));
          Images two = Images.of(Arrays.copyOf(x, 2 * 3 * s * s), 2, 3, s);
          int[] t2 = Arrays.copyOf(targets, 2);
          boolean methods = !Boolean.getBoolean("tve.bench.ratesOnly");     // -Dtve.bench.ratesOnly=true: img/s only (minutes, not the better part of an hour)
          double occ = methods ? secondsPerImage(Methods.create(Methods.OCCLUSION, ctx), two, head, t2) : Double.NaN;
          double ig = methods ? secondsPerImage(Methods.create(Methods.INTEGRATED_GRADIENTS, ctx), two, head, t2) : Double.NaN;
          double shap = methods ? secondsPerImage(Methods.create(Methods.KERNEL_SHAP, ctx), two, head, t2) : Double.NaN;
          md.append(String.format(Locale.ROOT, "| %s (%d x %d, D %d) | %d x %d | %.1f | %.1f | %.2f | %.2f | %.2f | %.1f |%n",
              dir.getFileName(), s, s, enc.dim(), g, g, plain, explain, explain / plain, occ, ig, shap));
          System.err.printf(Locale.ROOT, "%s: inference %.1f img/s, TVE %.1f img/s, occlusion %.2f s, IG %.2f s, KernelSHAP %.1f s per image%n",
              dir.getFileName(), plain, explain, occ, ig, shap);
        }
      }
    }
    md.append(String.format(Locale.ROOT, "%nBatch %d random normalised images, one 1000-class linear head, the predicted class, %d libtorch thread(s), "
        + "%d cores; img/s: median of 3 runs of %d batches, each after 3 warm-up batches; occlusion, IG and KernelSHAP: one run on 2 images.%n",
        batch, threads, Runtime.getRuntime().availableProcessors(), reps));
    System.out.print(md);
  }

  private static float[] images(int n, int floats, long seed) {
    float[] x = new float[n * floats];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 2);
    return x;
  }

  private interface Timed {
    double run() throws Exception;
  }

  private static double median(int runs, Timed t) throws Exception {
    double[] v = new double[runs];
    for (int i = 0; i < runs; i++) v[i] = t.run();
    Arrays.sort(v);
    return v[runs / 2];
  }

  private static final int WARMUP = 3;

  /** Images per second over {@code reps} calls, after {@link #WARMUP} untimed calls. */
  private static double rate(int reps, int batch, Runnable call) {
    for (int i = 0; i < WARMUP; i++) call.run();     // libtorch's JIT profiles the first calls of a shape before it optimises
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) call.run();
    return (double) reps * batch / ((System.nanoTime() - t0) / 1e9);
  }

  private static double secondsPerImage(Explainer e, Images two, Head head, int[] targets) {
    long t0 = System.nanoTime();
    e.attribute(two, head, targets, null);
    return (System.nanoTime() - t0) / 1e9 / two.n();
  }
}
