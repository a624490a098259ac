package dev.tve.pretrain;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.mse_loss;

import dev.tve.explain.ExplainerNetwork;
import dev.tve.explain.MaskedTargets;
import dev.tve.image.ImageSource;
import dev.tve.image.NativeTensors;
import dev.tve.model.Encoder;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.runtime.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TVE's label-free pre-training: for each image of a step, m random centre patches; the frozen
 * encoder embeds x * M_c and x * (1 - M_c) (2m encoder images per image, batched); one explainer
 * forward predicts E+ and E- at every patch; the loss is MSE(E+[c], f(x * M_c)) + MSE(E-[c], f(x * (1 - M_c)))
 * averaged over the centres. AdamW, linear warm-up then cosine decay, seeded (image i of step s is
 * source image s * batch + i; the centres of step s come from a generator seeded by (seed, s)), so
 * a resumed run takes exactly the path of an uninterrupted one. Checkpoints every
 * {@code checkpointEvery} steps; the next step's images and targets are prepared on a second
 * thread while the explainer trains.
 *
 * <p>With a game objective ({@link #builder()}{@code .optObjective(SHAPLEY or BANZHAF, ...)}) the network
 * predicts Phi [B, P, D] and the targets come from the patch game ({@link dev.tve.explain.PatchGame}):
 * {@code forwardsPerImage} valued coalitions per image per step, as antithetic permutation segments
 * (the loss: MSE between the efficiency-corrected Phi and each covered player's antithetic marginal
 * contribution) or as Shapley-kernel (Banzhaf: uniform) coalitions with their complements (the loss:
 * MSE between sum_{p in S} Phi_p and e(x_S) - e(x_empty); Banzhaf: the paired difference), plus e(x).
 *
 * <pre>{@code
 * ExplainerTrainer.Result r = ExplainerTrainer.builder().optSteps(2000).optCentres(4).optRadius(1)
 *     .optCheckpointDir(Path.of("runs/explainer")).build()
 *     .train(net, encoder, scenes);
 * }</pre>
 *
 * One run belongs to one thread (plus its loader thread). The encoder must be in eval mode.
 */
public final class ExplainerTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ExplainerTrainer.class);

  /** After every step. */
  public record Progress(long step, long steps, double loss, double imagesPerSecond) {}

  /**
   * What a run did; {@code losses} is the mean loss of every step, from step 1 (including resumed
   * ones); {@code heldOut} the held-out measurements, rows [step, values...], a resumed run's
   * including those its checkpoint carried; {@code seconds} the wall time of the steps after
   * {@code timedFromStep} (0: every step, also across resumptions; a checkpoint written before
   * checkpoints carried their time starts the count at the step it resumed from).
   */
  public record Result(long steps, double seconds, double lastLoss, long resumedFromStep, float[] losses, List<double[]> heldOut, long timedFromStep) {}

  /** What a checkpoint carried over: steps done, their wall seconds (NaN from a checkpoint that did not record them), held-out rows. */
  private record Resumed(long steps, double seconds, List<double[]> heldOut) {
    static final Resumed NONE = new Resumed(0, 0, List.of());
  }

  /** A held-out measurement taken every so many steps (the network in eval mode meanwhile). */
  @FunctionalInterface
  public interface HeldOut {
    /**
     * @param net the network, in eval mode
     * @param step steps done
     * @return the values to record (e.g. R² keep, R² remove)
     */
    double[] measure(ExplainerNetwork net, long step);
  }

  private final int steps;
  private final int batchSize;
  private final int centres;
  private final int radius;
  private final double lr;
  private final double weightDecay;
  private final long seed;
  private final int encoderChunk;
  private final int checkpointEvery;
  private final Consumer<Progress> progress;
  private final Path checkpointDir;
  private final HeldOut heldOut;
  private final int heldOutEvery;
  private final float[][] fills;
  private final MaskedTargets.Coalitions coalitions;
  private final dev.tve.explain.Objective objective;
  private final dev.tve.explain.Objective.Estimator estimator;
  private final int gameForwards;

  private ExplainerTrainer(Builder b) {
    objective = b.objective;
    estimator = b.estimator;
    gameForwards = b.gameForwards;
    fills = b.fills;
    coalitions = b.coalitions;
    heldOut = b.heldOut;
    heldOutEvery = b.heldOutEvery;
    steps = b.steps;
    batchSize = b.batchSize;
    centres = b.centres;
    radius = b.radius;
    lr = b.lr;
    weightDecay = b.weightDecay;
    seed = b.seed;
    encoderChunk = b.encoderChunk;
    checkpointEvery = b.checkpointEvery;
    progress = b.progress;
    checkpointDir = b.checkpointDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One step's inputs and targets, prepared on the loader thread. */
  private sealed interface Prepared permits Batch, GameBatch {}

  /** A window objective's step: images, the rows b * P + c of its centres, their keep and remove targets. */
  private record Batch(float[] x, long[] rows, float[] keep, float[] remove) implements Prepared {}

  /**
   * A game objective's step: images, gap = e(x) - e(x_empty) [B, D], and either per-player targets with
   * their weights (permutation: targets [B, P, D], weight [B, P] 1 where the player got one) or coalitions
   * and their values (regression: z [B, n, P] indicators, or +-1 for Banzhaf's paired differences; v [B, n, D]).
   */
  private record GameBatch(float[] x, float[] gap, float[] targets, float[] weight, float[] z, float[] v, int n) implements Prepared {}

  public Result train(ExplainerNetwork net, Encoder encoder, ImageSource images) throws IOException {
    if (net.config().isGame() != objective.isGame() || (objective.isGame() && net.config().objectiveKind() != objective)) {
      throw new IllegalArgumentException("the network predicts for objective " + net.config().objectiveKind().label() + ", training is for "
          + objective.label());
    }
    try (ThreadPolicy.BackwardScope safe = ThreadPolicy.backwardScope()) {
      return trainSteps(net, encoder, images);
    }
  }

  private Result trainSteps(ExplainerNetwork net, Encoder encoder, ImageSource images) throws IOException {
    ExplainerNetwork.Config cfg = net.config();
    if (cfg.dim() != encoder.dim() || cfg.imageSize() != encoder.imageSize() || cfg.channels() != encoder.channels()) {
      throw new IllegalArgumentException("explainer (D " + cfg.dim() + ", " + cfg.channels() + "x" + cfg.imageSize() + ") does not fit the encoder (D "
          + encoder.dim() + ", " + encoder.channels() + "x" + encoder.imageSize() + ")");
    }
    if (images.size() != cfg.imageSize() || images.channels() != cfg.channels()) {
      throw new IllegalArgumentException("images are " + images.channels() + "x" + images.size() + ", the explainer takes "
          + cfg.channels() + "x" + cfg.imageSize());
    }
    manual_seed(seed);
    AdamWOptions options = new AdamWOptions(lr);
    options.weight_decay().put(weightDecay);
    AdamW opt = new AdamW(net.trainableParameters(), options);
    float[] losses = new float[steps];
    Resumed resumed = checkpointDir != null ? resume(net, opt, losses) : Resumed.NONE;
    final long start = resumed.steps();
    MaskedTargets targets = objective.isGame() ? null : fills == null ? new MaskedTargets(encoder, cfg.grid(), radius, encoderChunk)
        : new MaskedTargets(encoder, cfg.grid(), radius, encoderChunk, fills);
    dev.tve.explain.PatchGame game = objective.isGame() ? new dev.tve.explain.PatchGame(encoder, cfg.grid(), encoderChunk) : null;
    float[] empty = game == null ? null : game.empty();
    long warmup = Math.min(200, steps / 10);
    int grid = cfg.grid(), p = grid * grid, d = cfg.dim(), s = cfg.imageSize(), c = cfg.channels();
    int torchThreads = torch.get_num_threads();
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(() -> {
        torch.set_num_threads(torchThreads);                 // the loader's encoder calls follow the thread policy
        r.run();
      }, "explainer-loader");
      t.setDaemon(true);
      return t;
    });
    net.train(true);
    long t0 = System.nanoTime(), done = 0;
    double last = Double.NaN;
    List<double[]> heldOutRows = new ArrayList<>(resumed.heldOut());
    // Seconds before this run: a resumed run reports the time of every step when its checkpoint recorded it.
    double before = Double.isNaN(resumed.seconds()) ? 0 : resumed.seconds();
    long timedFrom = Double.isNaN(resumed.seconds()) ? start : 0;
    try {
      Future<Prepared> next = start < steps ? loader.submit(() -> prepare(images, targets, game, empty, start, p)) : null;
      for (long step = start; step < steps; step++) {
        Prepared prepared = take(next);
        long following = step + 1;
        next = following < steps ? loader.submit(() -> prepare(images, targets, game, empty, following, p)) : null;
        double rate = step < warmup ? lr * (step + 1) / warmup
            : lr * 0.5 * (1 + Math.cos(Math.PI * (step - warmup) / Math.max(1, steps - warmup)));
        opt.param_groups().get(0).options().set_lr(rate);
        double loss;
        try (PointerScope scope = new PointerScope()) {
          opt.zero_grad();
          Tensor l = prepared instanceof GameBatch gb ? gameLoss(net, gb, c, s, p, d) : windowLoss(net, (Batch) prepared, c, s, d);
          l.backward();
          opt.step();
          loss = l.item_double();
        }
        if (!Double.isFinite(loss)) throw new TrainingDivergedException("pre-training diverged at step " + (step + 1) + " (loss " + loss + "); lower the learning rate");
        losses[(int) step] = (float) loss;
        last = loss;
        done++;
        if (progress != null) progress.accept(new Progress(step + 1, steps, loss, done * batchSize / ((System.nanoTime() - t0) / 1e9)));
        if (heldOut != null && ((step + 1) % heldOutEvery == 0 || step + 1 == steps)) {
          net.eval();
          double[] v = heldOut.measure(net, step + 1);
          net.train(true);
          double[] row = new double[v.length + 1];
          row[0] = step + 1;
          System.arraycopy(v, 0, row, 1, v.length);
          heldOutRows.add(row);
        }
        if (checkpointDir != null && ((step + 1) % checkpointEvery == 0 || step + 1 == steps)) {
          checkpoint(net, opt, step + 1, losses, before + (System.nanoTime() - t0) / 1e9, timedFrom, heldOutRows);
        }
      }
    } finally {
      loader.shutdownNow();
    }
    net.eval();
    LOG.info("pre-training: {} steps in {} s, last loss {}", done, String.format("%.1f", (System.nanoTime() - t0) / 1e9), last);
    return new Result(steps, before + (System.nanoTime() - t0) / 1e9, last, start, losses, heldOutRows, timedFrom);
  }

  private Prepared prepare(ImageSource images, MaskedTargets targets, dev.tve.explain.PatchGame game, float[] empty, long step, int p) {
    return game != null ? gameBatch(images, game, empty, step, p) : batch(images, targets, step, p);
  }

  /** The window objective's loss: MSE of E+ and E- at the step's centres against their masked embeddings. */
  private Tensor windowLoss(ExplainerNetwork net, Batch b, int c, int s, int d) {
    Tensor x = NativeTensors.copyOf(b.x(), 0, batchSize, c, s, s);
    Tensor rows = NativeTensors.copyOf(b.rows(), b.rows().length);
    Tensor keep = NativeTensors.copyOf(b.keep(), 0, b.rows().length, d);
    Tensor remove = NativeTensors.copyOf(b.remove(), 0, b.rows().length, d);
    Tensor[] e = net.forward(x);
    Tensor pos = e[0].reshape(-1, d).index_select(0, rows), neg = e[1].reshape(-1, d).index_select(0, rows);
    Tensor scale = net.outputScale();
    // Standardised: every dimension's error in units of its spread, so narrow dimensions count as much as wide ones.
    return scale == null ? mse_loss(pos, keep).add(mse_loss(neg, remove))
        : mse_loss(pos.sub(keep).div(scale), torch.zeros_like(pos)).add(mse_loss(neg.sub(remove).div(scale), torch.zeros_like(neg)));
  }

  /** A game objective's loss on one step (see {@link GameBatch}); Phi efficiency-corrected for Shapley. */
  private Tensor gameLoss(ExplainerNetwork net, GameBatch gb, int c, int s, int p, int d) {
    Tensor x = NativeTensors.copyOf(gb.x(), 0, batchSize, c, s, s);
    Tensor gap = NativeTensors.copyOf(gb.gap(), 0, batchSize, d);
    Tensor phi = net.forward(x)[0];
    if (objective == dev.tve.explain.Objective.SHAPLEY) phi = ExplainerNetwork.efficient(phi, gap);
    // Standardised: every dimension's error in units of its spread, as for the window objective.
    Tensor scale = net.outputScale();
    if (estimator == dev.tve.explain.Objective.Estimator.PERMUTATION) {
      Tensor t = NativeTensors.copyOf(gb.targets(), 0, batchSize, p, d);
      Tensor w = NativeTensors.copyOf(gb.weight(), 0, batchSize, p, 1);
      Tensor err = phi.sub(t);
      if (scale != null) err = err.div(scale);
      return err.mul(err).mul(w).sum().div(new Scalar(Math.max(1.0, sum(gb.weight())) * d));
    }
    Tensor z = NativeTensors.copyOf(gb.z(), 0, batchSize, gb.n(), p);
    Tensor v = NativeTensors.copyOf(gb.v(), 0, batchSize, gb.n(), d);
    Tensor err = z.bmm(phi).sub(v);
    if (scale != null) err = err.div(scale);
    return err.mul(err).mean();
  }

  private static double sum(float[] v) {
    double t = 0;
    for (float f : v) t += f;
    return t;
  }

  /**
   * A game objective's step: the images, e(x) for each, and {@code gameForwards} valued coalitions per
   * image drawn from a generator seeded by (seed, step), as the estimator wants them.
   */
  private GameBatch gameBatch(ImageSource images, dev.tve.explain.PatchGame game, float[] empty, long step, int p) {
    int f = images.imageFloats(), d = game.dim();
    float[] x = new float[batchSize * f];
    long first = step * batchSize;
    if (images.count() != Long.MAX_VALUE) first = first % Math.max(1, images.count() - batchSize + 1);
    images.fill(first, batchSize, x);
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
    float[] full = game.values(x, range(batchSize), allKept(batchSize, p));
    float[] gap = new float[batchSize * d];
    for (int i = 0; i < batchSize; i++) for (int k = 0; k < d; k++) gap[i * d + k] = full[i * d + k] - empty[k];
    List<boolean[]> coalitions = new ArrayList<>();
    List<Integer> imageOf = new ArrayList<>();
    if (estimator == dev.tve.explain.Objective.Estimator.PERMUTATION) {
      // Segments of length L cost at most 2 (L + 1) passes: L = forwards / 2 - 1 keeps within the budget.
      int length = Math.max(1, Math.min(p, gameForwards / 2 - 1));
      dev.tve.explain.GameSampling.Segment[] seg = new dev.tve.explain.GameSampling.Segment[batchSize];
      int[] firstRow = new int[batchSize];
      for (int i = 0; i < batchSize; i++) {
        seg[i] = dev.tve.explain.GameSampling.segment(p, length, r);
        firstRow[i] = coalitions.size();
        for (boolean[] z : seg[i].coalitions()) {
          coalitions.add(z);
          imageOf.add(i);
        }
      }
      float[] v = game.values(x, imageOf.stream().mapToInt(Integer::intValue).toArray(), coalitions.toArray(new boolean[0][]));
      float[] targets = new float[batchSize * p * d], weight = new float[batchSize * p];
      for (int i = 0; i < batchSize; i++) {
        double[] sums = new double[p * d];
        int[] counts = new int[p];
        seg[i].addTargets(v, firstRow[i], java.util.Arrays.copyOfRange(full, i * d, (i + 1) * d), empty, sums, counts);
        for (int q = 0; q < p; q++) {
          if (counts[q] == 0) continue;
          weight[i * p + q] = 1;
          for (int k = 0; k < d; k++) targets[(i * p + q) * d + k] = (float) (sums[q * d + k] / counts[q]);
        }
      }
      return new GameBatch(x, gap, targets, weight, null, null, 0);
    }
    boolean banzhaf = objective == dev.tve.explain.Objective.BANZHAF;
    int pairs = Math.max(1, gameForwards / 2), n = banzhaf ? pairs : 2 * pairs;
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < pairs; j++) {
        boolean[] z = banzhaf ? dev.tve.explain.GameSampling.uniformCoalition(p, r) : dev.tve.explain.GameSampling.kernelCoalition(p, r);
        coalitions.add(z);
        coalitions.add(dev.tve.explain.GameSampling.complement(z));
        imageOf.add(i);
        imageOf.add(i);
      }
    }
    float[] v = game.values(x, imageOf.stream().mapToInt(Integer::intValue).toArray(), coalitions.toArray(new boolean[0][]));
    float[] zs = new float[batchSize * n * p], vs = new float[batchSize * n * d];
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < pairs; j++) {
        int a = 2 * (i * pairs + j), b = a + 1;
        boolean[] sa = coalitions.get(a), sb = coalitions.get(b);
        if (banzhaf) {
          // The paired difference: e(x_S) - e(x_{N-S}) against sum_S Phi - sum_{N-S} Phi.
          int row = i * n + j;
          for (int q = 0; q < p; q++) zs[row * p + q] = sa[q] ? 1 : -1;
          for (int k = 0; k < d; k++) vs[row * d + k] = v[a * d + k] - v[b * d + k];
        } else {
          int ra = i * n + 2 * j, rb = ra + 1;
          for (int q = 0; q < p; q++) {
            zs[ra * p + q] = sa[q] ? 1 : 0;
            zs[rb * p + q] = sb[q] ? 1 : 0;
          }
          for (int k = 0; k < d; k++) {
            vs[ra * d + k] = v[a * d + k] - empty[k];
            vs[rb * d + k] = v[b * d + k] - empty[k];
          }
        }
      }
    }
    return new GameBatch(x, gap, null, null, zs, vs, n);
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) r[i] = i;
    return r;
  }

  private static boolean[][] allKept(int n, int p) {
    boolean[][] z = new boolean[n][p];
    for (boolean[] row : z) java.util.Arrays.fill(row, true);
    return z;
  }

  /** The images of step {@code step}, its centres (as rows b * P + c of E) and their targets. */
  private Batch batch(ImageSource images, MaskedTargets targets, long step, int p) {
    float[] x = new float[batchSize * images.imageFloats()];
    long first = step * batchSize;
    if (images.count() != Long.MAX_VALUE) first = first % Math.max(1, images.count() - batchSize + 1);
    images.fill(first, batchSize, x);
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
    int[] cs = new int[batchSize * centres];
    long[] rows = new long[cs.length];
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < centres; j++) {
        cs[i * centres + j] = r.nextInt(p);
        rows[i * centres + j] = (long) i * p + cs[i * centres + j];
      }
    }
    // Drawn after the centres from the same stream: without coalitions the draws are as they were.
    boolean[][] kept = null;
    if (coalitions != MaskedTargets.Coalitions.NONE) {
      kept = new boolean[cs.length][];
      for (int i = 0; i < cs.length; i++) kept[i] = coalitions.draw(targets.grid(), cs[i], radius, r);
    }
    float[][] t = targets.compute(x, batchSize, cs, centres, kept);
    return new Batch(x, rows, t[0], t[1]);
  }

  private static Prepared take(Future<Prepared> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing a batch", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("preparing a batch failed: " + e.getCause(), e.getCause());
    }
  }

  private void checkpoint(ExplainerNetwork net, AdamW opt, long stepsDone, float[] losses, double seconds, long timedFrom, List<double[]> heldOutRows)
      throws IOException {
    Files.createDirectories(checkpointDir);
    Path dst = checkpointDir.resolve("explainer-checkpoint.pt"), tmp = dev.tve.io.AtomicFiles.archiveTemp(dst);
    OutputArchive a = new OutputArchive(), o = new OutputArchive();
    net.saveState(a);
    opt.save(o);
    a.write("optimizer", o);
    a.write("steps_done", torch.scalar_tensor(new Scalar(stepsDone)));
    double[] settings = settings();
    a.write("settings", NativeTensors.copyOf(settings, settings.length));
    a.write("losses", NativeTensors.copyOf(losses, 0, losses.length));
    // Only a run timed from its first step passes its seconds on; otherwise the next run times its own steps only.
    if (timedFrom == 0) a.write("seconds_done", torch.scalar_tensor(new Scalar(seconds)));
    int cols = heldOutRows.isEmpty() ? 0 : heldOutRows.get(0).length;
    double[] flat = new double[heldOutRows.size() * cols];
    for (int i = 0; i < heldOutRows.size(); i++) System.arraycopy(heldOutRows.get(i), 0, flat, i * cols, cols);
    if (cols > 0) {
      a.write("held_out", NativeTensors.copyOf(flat, heldOutRows.size(), cols));
    }
    a.save_to(tmp.toString());
    dev.tve.io.AtomicFiles.moveArchive(tmp, dst);
  }

  /** What a resumed run must share with the run that wrote the checkpoint (its steps are checked apart). */
  private double[] settings() {
    int f = fills == null ? 0 : fills.length * fills[0].length;
    double[] v = new double[8 + f];
    v[0] = seed;
    v[1] = batchSize;
    v[2] = centres;
    v[3] = radius;
    v[4] = lr;
    v[5] = weightDecay;
    v[6] = coalitions.ordinal();
    v[7] = fills == null ? 0 : fills.length;
    for (int i = 0; fills != null && i < fills.length; i++) for (int c = 0; c < fills[i].length; c++) v[8 + i * fills[i].length + c] = fills[i][c];
    if (!objective.isGame()) return v;                 // a window run's settings as before objectives, so its checkpoints resume
    double[] g = java.util.Arrays.copyOf(v, v.length + 3);
    g[v.length] = objective.ordinal();
    g[v.length + 1] = estimator.ordinal();
    g[v.length + 2] = gameForwards;
    return g;
  }

  private static String describe(double[] v) {
    StringBuilder fill = new StringBuilder();
    for (int i = 8; i < v.length; i++) fill.append(i > 8 ? "," : "").append(String.format(java.util.Locale.ROOT, "%.4g", v[i]));
    String kind = v.length > 6 && v[6] >= 0 && v[6] < MaskedTargets.Coalitions.values().length ? MaskedTargets.Coalitions.values()[(int) v[6]].label() : "?";
    return String.format(java.util.Locale.ROOT, "seed %d, batch %d, centres %d, radius %d, lr %.3g, weight decay %.3g, coalitions %s, fills [%s]",
        (long) v[0], (int) v[1], (int) v[2], (int) v[3], v[4], v[5], kind, fill);
  }

  private Resumed resume(ExplainerNetwork net, AdamW opt, float[] losses) {
    Path file = checkpointDir.resolve("explainer-checkpoint.pt");
    if (!Files.isRegularFile(file)) return Resumed.NONE;
    InputArchive a = new InputArchive(), o = new InputArchive();
    a.load_from(file.toString());
    // A checkpoint from before settings were recorded is taken as it is.
    Tensor recorded = new Tensor();
    if (a.try_read("settings", recorded)) {
      double[] theirs = new double[(int) recorded.numel()], ours = settings();
      recorded.contiguous().data_ptr_double().get(theirs);
      if (!java.util.Arrays.equals(theirs, ours)) {
        throw new IllegalArgumentException(file + ": made with other settings (" + describe(theirs) + "; this run: " + describe(ours)
            + "); resume with the same options, or start in another folder");
      }
    }
    a.read("optimizer", o);
    net.loadState(a);
    opt.load(o);
    Tensor done = new Tensor(), saved = new Tensor();
    a.read("steps_done", done);
    a.read("losses", saved);
    long stepsDone = (long) done.item_double();
    if (saved.numel() != losses.length) throw new IllegalArgumentException(file + ": a run of " + saved.numel() + " steps, this one has " + losses.length);
    saved.contiguous().data_ptr_float().get(losses);
    Tensor secondsDone = new Tensor(), rows = new Tensor();
    double seconds = a.try_read("seconds_done", secondsDone) ? secondsDone.item_double() : Double.NaN;
    List<double[]> heldOutRows = new ArrayList<>();
    if (a.try_read("held_out", rows)) {
      int n = (int) rows.size(0), cols = (int) rows.size(1);
      double[] flat = new double[n * cols];
      rows.contiguous().data_ptr_double().get(flat);
      for (int i = 0; i < n; i++) heldOutRows.add(java.util.Arrays.copyOfRange(flat, i * cols, (i + 1) * cols));
    }
    LOG.info("resumed from {} after step {}", file, stepsDone);
    return new Resumed(stepsDone, seconds, heldOutRows);
  }

  /** Builder of {@link ExplainerTrainer}. */
  public static final class Builder {
    private int steps = 2000;
    private int batchSize = 32;
    private int centres = 4;
    private int radius = 1;
    private double lr = 1e-3;
    private double weightDecay = 0.05;
    private long seed = 0;
    private int encoderChunk = 256;
    private int checkpointEvery = 100;
    private Consumer<Progress> progress;
    private Path checkpointDir;
    private HeldOut heldOut;
    private int heldOutEvery = 100;
    private float[][] fills;
    private MaskedTargets.Coalitions coalitions = MaskedTargets.Coalitions.NONE;
    private dev.tve.explain.Objective objective = dev.tve.explain.Objective.WINDOW;
    private dev.tve.explain.Objective.Estimator estimator = dev.tve.explain.Objective.Estimator.PERMUTATION;
    private int gameForwards = 32;

    private Builder() {}

    /**
     * What the explainer learns (default WINDOW: E+ and E-). SHAPLEY and BANZHAF train a game network
     * ({@link ExplainerNetwork.Config#isGame()}) on the patch game with KernelSHAP's fill; centres, radius,
     * fills and coalitions do not apply to them.
     *
     * @param v the objective
     * @param e how each step's targets are estimated (Banzhaf: regression only)
     * @param forwardsPerImage encoder passes per image per step for the game's targets (besides e(x)), at least 4
     * @return this
     */
    public Builder optObjective(dev.tve.explain.Objective v, dev.tve.explain.Objective.Estimator e, int forwardsPerImage) {
      objective = java.util.Objects.requireNonNull(v, "objective");
      estimator = java.util.Objects.requireNonNull(e, "estimator");
      gameForwards = forwardsPerImage;
      return this;
    }

    /**
     * What masked pixels become (default: zero in normalised space).
     *
     * @param v per-channel fill vectors that target rows cycle through ({@link MaskedTargets.Fill#values})
     * @return this
     */
    public Builder optFill(float[][] v) { fills = v; return this; }

    /**
     * @param v which patches outside each target's window both masked copies keep (default NONE: the
     *     window alone and the window removed)
     * @return this
     */
    public Builder optCoalitions(MaskedTargets.Coalitions v) { coalitions = java.util.Objects.requireNonNull(v, "coalitions"); return this; }

    /**
     * Measures held-out fit as training goes.
     *
     * @param every steps between measurements (and after the last step)
     * @param v the measurement
     * @return this
     */
    public Builder optHeldOut(int every, HeldOut v) {
      if (every < 1) throw new IllegalArgumentException("held-out every " + every + " steps");
      heldOutEvery = every;
      heldOut = v;
      return this;
    }

    public Builder optSteps(int v) { steps = v; return this; }
    /** Images per step. */
    public Builder optBatchSize(int v) { batchSize = v; return this; }
    /** Centres m supervised per image per step (2m encoder images per image). */
    public Builder optCentres(int v) { centres = v; return this; }
    /** Mask radius r in patches (a (2r+1)^2 window); separate from any map smoothing radius. */
    public Builder optRadius(int v) { radius = v; return this; }
    public Builder optLearningRate(double v) { lr = v; return this; }
    public Builder optWeightDecay(double v) { weightDecay = v; return this; }
    public Builder optSeed(long v) { seed = v; return this; }
    /** Images per encoder call (the internal batch size). */
    public Builder optEncoderBatch(int v) { encoderChunk = v; return this; }
    public Builder optCheckpointEvery(int v) { checkpointEvery = v; return this; }
    /** Called after every step, on the training thread. */
    public Builder optProgress(Consumer<Progress> v) { progress = v; return this; }
    /** Folder of the checkpoint; a run started again with the same folder resumes. */
    public Builder optCheckpointDir(Path v) { checkpointDir = v; return this; }

    public ExplainerTrainer build() {
      if (steps < 1 || batchSize < 1 || centres < 1 || radius < 0 || encoderChunk < 2 || checkpointEvery < 1) {
        throw new IllegalArgumentException("steps " + steps + ", batch " + batchSize + ", centres " + centres + ", radius " + radius
            + ", encoder batch " + encoderChunk + ", checkpoint every " + checkpointEvery);
      }
      if (objective.isGame() && gameForwards < 4) throw new IllegalArgumentException("forwards per image: " + gameForwards + " (at least 4)");
      if (objective == dev.tve.explain.Objective.BANZHAF && estimator == dev.tve.explain.Objective.Estimator.PERMUTATION) {
        throw new IllegalArgumentException("the permutation estimator is Shapley's; Banzhaf values take the regression estimator");
      }
      if (objective.isGame() && (coalitions != MaskedTargets.Coalitions.NONE || fills != null)) {
        throw new IllegalArgumentException("coalitions and fills are the window objective's; a game objective plays KernelSHAP's game");
      }
      return new ExplainerTrainer(this);
    }
  }
}
