package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.cross_entropy;
import static org.bytedeco.pytorch.global.torch.manual_seed;

import dev.tve.image.NativeTensors;
import dev.tve.image.SceneBatches;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.runtime.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised encoder training on generated scenes: the encoder and a joint linear head, AdamW with
 * a linear warm-up and a cosine decay, fresh scenes every epoch (scene i of epoch e is generator
 * scene e * scenesPerEpoch + i), seeded. Reports progress through a callback; checkpoints after
 * every epoch and resumes from the last checkpoint of the same run folder.
 *
 * <pre>{@code
 * EncoderTrainer.Result r = EncoderTrainer.builder().optEpochs(6).optSeed(1)
 *     .optProgress(p -> bar.update(p)).optCheckpointDir(Path.of("runs/vit")).build()
 *     .train(new VitEncoder(1, 56, 8, 128, 4, 4), trainScenes);
 * }</pre>
 *
 * One trainer run belongs to one thread.
 */
public final class EncoderTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(EncoderTrainer.class);

  /** A progress report, after every optimizer step. */
  public record Progress(int epoch, int epochs, long step, long steps, double loss, double imagesPerSecond) {}

  /**
   * What a run did; {@code seconds} is the wall time of the epochs after {@code timedFromEpoch} (0:
   * every epoch, also across resumptions; a checkpoint written before checkpoints carried their time
   * starts the count at the epoch it resumed from).
   */
  public record Result(int epochs, long steps, double seconds, double lastEpochLoss, int resumedFromEpoch, int timedFromEpoch) {}

  /** What a checkpoint carried over: epochs done and their wall seconds (NaN when it did not record them). */
  private record Resumed(int epochs, double seconds) {}

  private final int epochs;
  private final int batchSize;
  private final int scenesPerEpoch;
  private final double lr;
  private final double weightDecay;
  private final long seed;
  private final Consumer<Progress> progress;
  private final Path checkpointDir;

  private EncoderTrainer(Builder b) {
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.scenesPerEpoch = b.scenesPerEpoch;
    this.lr = b.lr;
    this.weightDecay = b.weightDecay;
    this.seed = b.seed;
    this.progress = b.progress;
    this.checkpointDir = b.checkpointDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Trains {@code encoder} in place on scenes of {@code train}; the joint head is discarded. */
  public Result train(EncoderModule encoder, SceneBatches train) throws IOException {
    try (ThreadPolicy.BackwardScope safe = ThreadPolicy.backwardScope()) {
      return trainEpochs(encoder, train);
    }
  }

  private Result trainEpochs(EncoderModule encoder, SceneBatches train) throws IOException {
    manual_seed(seed);
    int classes = train.generator().classes();
    LinearImpl head = new LinearImpl(encoder.dim(), classes);
    TensorVector params = new TensorVector();
    TensorVector ep = encoder.parameters(), hp = head.parameters();
    for (long i = 0; i < ep.size(); i++) params.push_back(ep.get(i));
    for (long i = 0; i < hp.size(); i++) params.push_back(hp.get(i));
    AdamWOptions options = new AdamWOptions(lr);
    options.weight_decay().put(weightDecay);
    AdamW opt = new AdamW(params, options);

    Resumed resumed = checkpointDir != null ? resume(encoder, head, opt) : new Resumed(0, 0);
    final int start = resumed.epochs();
    double before = Double.isNaN(resumed.seconds()) ? 0 : resumed.seconds();
    int timedFrom = Double.isNaN(resumed.seconds()) ? start : 0;
    long stepsPerEpoch = scenesPerEpoch / batchSize, total = stepsPerEpoch * epochs, warmup = Math.min(200, total / 10);
    int canvas = train.generator().canvas();
    // Scenes for the next step are generated on a second thread while this one trains: scene
    // content depends only on its index, so the run stays deterministic.
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "scene-loader");
      t.setDaemon(true);
      return t;
    });
    Future<Batch> next = start < epochs ? loader.submit(() -> batch(train, (long) start * scenesPerEpoch)) : null;
    encoder.train(true);
    head.train(true);
    long t0 = System.nanoTime(), done = 0;
    double epochLoss = Double.NaN;
    try {
      for (int epoch = start; epoch < epochs; epoch++) {
        double lossSum = 0;
        for (long s = 0; s < stepsPerEpoch; s++) {
          long step = epoch * stepsPerEpoch + s;
          double rate = step < warmup ? lr * (step + 1) / warmup
              : lr * 0.5 * (1 + Math.cos(Math.PI * (step - warmup) / Math.max(1, total - warmup)));
          opt.param_groups().get(0).options().set_lr(rate);
          Batch batch = take(next);
          long following = s + 1 < stepsPerEpoch ? (long) epoch * scenesPerEpoch + (s + 1) * batchSize : (long) (epoch + 1) * scenesPerEpoch;
          next = s + 1 < stepsPerEpoch || epoch + 1 < epochs ? loader.submit(() -> batch(train, following)) : null;
          double loss;
          try (PointerScope scope = new PointerScope()) {
            Tensor xt = NativeTensors.copyOf(batch.x(), 0, batchSize, 1, canvas, canvas);
            Tensor yt = NativeTensors.copyOf(batch.y(), batchSize);
            opt.zero_grad();
            Tensor l = cross_entropy(head.forward(encoder.forward(xt)), yt);
            l.backward();
            opt.step();
            loss = l.item_float();
          }
          if (!Double.isFinite(loss)) throw new TrainingDivergedException("training diverged at epoch " + epoch + " step " + s + " (loss " + loss + "); lower the learning rate");
          lossSum += loss;
          done++;
          if (progress != null) {
            double secs = (System.nanoTime() - t0) / 1e9;
            progress.accept(new Progress(epoch + 1, epochs, step + 1, total, loss, done * batchSize / secs));
          }
        }
        epochLoss = lossSum / stepsPerEpoch;
        LOG.info("epoch {}/{}: mean loss {}", epoch + 1, epochs, String.format("%.4f", epochLoss));
        if (checkpointDir != null) checkpoint(encoder, head, opt, epoch + 1, before + (System.nanoTime() - t0) / 1e9, timedFrom);
      }
    } finally {
      loader.shutdownNow();
    }
    encoder.eval();
    head.close();
    return new Result(epochs, done, before + (System.nanoTime() - t0) / 1e9, epochLoss, start, timedFrom);
  }

  private record Batch(float[] x, long[] y) {}

  private Batch batch(SceneBatches train, long first) {
    float[] x = new float[batchSize * train.imageFloats()];
    int[] y = new int[batchSize];
    train.fill(first, batchSize, x, y);
    long[] yl = new long[batchSize];
    for (int i = 0; i < batchSize; i++) yl[i] = y[i];
    return new Batch(x, yl);
  }

  private static Batch take(Future<Batch> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating scenes", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("scene generation failed: " + e.getCause(), e.getCause());
    }
  }

  private void checkpoint(EncoderModule encoder, LinearImpl head, AdamW opt, int epochsDone, double seconds, int timedFrom) throws IOException {
    Files.createDirectories(checkpointDir);
    Path dst = checkpointDir.resolve("checkpoint.pt"), tmp = dev.tve.io.AtomicFiles.archiveTemp(dst);
    OutputArchive a = new OutputArchive();
    OutputArchive e = new OutputArchive(), h = new OutputArchive(), o = new OutputArchive();
    encoder.save(e);
    head.save(h);
    opt.save(o);
    a.write("encoder", e);
    a.write("head", h);
    a.write("optimizer", o);
    a.write("epochs_done", torch.scalar_tensor(new org.bytedeco.pytorch.Scalar(epochsDone)));
    // Only a run timed from its first epoch passes its seconds on; otherwise the next run times its own epochs only.
    if (timedFrom == 0) a.write("seconds_done", torch.scalar_tensor(new org.bytedeco.pytorch.Scalar(seconds)));
    a.save_to(tmp.toString());
    dev.tve.io.AtomicFiles.moveArchive(tmp, dst);
  }

  private Resumed resume(EncoderModule encoder, LinearImpl head, AdamW opt) {
    Path file = checkpointDir.resolve("checkpoint.pt");
    if (!Files.isRegularFile(file)) return new Resumed(0, 0);
    InputArchive a = new InputArchive();
    a.load_from(file.toString());
    InputArchive e = new InputArchive(), h = new InputArchive(), o = new InputArchive();
    a.read("encoder", e);
    a.read("head", h);
    a.read("optimizer", o);
    encoder.load(e);
    head.load(h);
    opt.load(o);
    Tensor done = new Tensor();
    a.read("epochs_done", done);
    int epochsDone = (int) done.item_double();
    Tensor secondsDone = new Tensor();
    double seconds = a.try_read("seconds_done", secondsDone) ? secondsDone.item_double() : Double.NaN;
    LOG.info("resumed from {} after epoch {}", file, epochsDone);
    return new Resumed(epochsDone, seconds);
  }

  /** Builder of {@link EncoderTrainer}. */
  public static final class Builder {
    private int epochs = 6;
    private int batchSize = 64;
    private int scenesPerEpoch = 55_000;
    private double lr = 1e-3;
    private double weightDecay = 0.05;
    private long seed = 0;
    private Consumer<Progress> progress;
    private Path checkpointDir;

    private Builder() {}

    public Builder optEpochs(int v) { this.epochs = v; return this; }
    public Builder optBatchSize(int v) { this.batchSize = v; return this; }
    public Builder optScenesPerEpoch(int v) { this.scenesPerEpoch = v; return this; }
    public Builder optLearningRate(double v) { this.lr = v; return this; }
    public Builder optWeightDecay(double v) { this.weightDecay = v; return this; }
    public Builder optSeed(long v) { this.seed = v; return this; }
    /** Called after every step (on the training thread). */
    public Builder optProgress(Consumer<Progress> v) { this.progress = v; return this; }
    /** Folder for the per-epoch checkpoint; a run started again with the same folder resumes. */
    public Builder optCheckpointDir(Path v) { this.checkpointDir = v; return this; }

    public EncoderTrainer build() {
      if (epochs < 1 || batchSize < 1 || scenesPerEpoch < batchSize) {
        throw new IllegalArgumentException("epochs " + epochs + ", batch " + batchSize + ", scenes per epoch " + scenesPerEpoch);
      }
      return new EncoderTrainer(this);
    }
  }
}
