package dev.tve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.batch.InputFiles;
import dev.tve.batch.KeyIndex;
import dev.tve.batch.OutputSchema;
import dev.tve.image.ImageBatchReader;
import dev.tve.image.ImageDecoder;
import dev.tve.image.NativeTensors;
import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tve predict}: class probabilities per head for images and folders, one JSON line per file
 * on standard output in input order, with the manifest's keys (outside faithfulness checks call it).
 * A bad file is a failed line and a line on stderr; the exit code is then 1.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Class probabilities per head as JSON lines, in input order, with tve explain's manifest keys:",
        "{\"file\", \"status\": \"done\", \"predictions\": {head: {class, name, probability, probabilities}}}",
        "or {\"file\", \"status\": \"failed\", \"error\"}."})
public final class PredictCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Images or folders.") List<Path> paths;
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--head", split = ",", description = "Head name(s) (default: all of the model's).") List<String> heads;
  @Option(names = "--batch", defaultValue = "64") int batch;
  @Option(names = "--verify", arity = "0..1", parameterConsumer = OptionalCount.class, defaultValue = "0", fallbackValue = "-2", paramLabel = "N", description = "Add tve explain's "
      + "verify flags: inDistribution (from the model's calibration) and explainerFit at N centres per image (from the explainer's: --explainer, "
      + "default the zoo's beside the zoo's model). --verify alone: N is the count the explainer was calibrated with; 0 (default): no verify; "
      + "-1: inDistribution only.") int verify;
  @Option(names = "--explainer", description = "Explainer folder for --verify N (default: zoo/explainer with the zoo's model).") Path explainer;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  private static final ObjectMapper JSON = new ObjectMapper();
  private dev.tve.explain.Verifier verifier;

  @Override
  public Integer call() throws Exception {
    if (batch < 1) throw new IllegalArgumentException("--batch " + batch + ": at least 1");
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    if (verify < -2) throw new IllegalArgumentException("--verify " + verify + ": N > 0 centres, --verify alone, 0 or -1");
    boolean fitCheck = verify > 0 || verify == -2;
    Path modelDir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    Path explainerDir = explainer != null ? explainer : model == null && fitCheck ? ExplainCommand.home().resolve("zoo/explainer") : null;
    if (fitCheck && explainerDir == null) throw new IllegalArgumentException("--verify checks an explainer: name it with --explainer");
    try (dev.tve.api.Tve tve = dev.tve.api.Tve.builder().optModel(modelDir).optExplainer(fitCheck ? explainerDir : null)
        .optTorchThreads(threads != null ? threads : 0).build()) {
      TargetModel m = tve.model();
      verifier = verify == 0 ? null : tve.verifier(verify > 0 ? verify : verify == -2 ? tve.verifyCentres() : 1);
      if (verifier != null) ExplainCommand.warnUncalibrated(verifier, "tve predict");
      List<Head> chosen = new ArrayList<>();
      if (heads == null || heads.isEmpty()) chosen.addAll(m.heads().values());
      else for (String h : heads) chosen.add(m.head(h));
      Preprocessing pre = m.input().preprocessing();
      ImageBatchReader reader = new ImageBatchReader(ImageDecoder.create(), pre);
      int[] failed = {0};
      List<InputFiles.Item> pending = new ArrayList<>();
      KeyIndex seen = new KeyIndex();
      InputFiles.walk(paths, item -> {
        if (seen.put(item.id(), KeyIndex.DONE, 0) != KeyIndex.ABSENT) return true;   // a file named twice: once
        pending.add(item);
        if (pending.size() == batch) {
          failed[0] += run(m, chosen, pre, reader, pending);
          pending.clear();
        }
        return true;
      });
      if (!pending.isEmpty()) failed[0] += run(m, chosen, pre, reader, pending);
      System.out.flush();
      return failed[0] > 0 ? 1 : 0;
    }
  }

  /** One batch, its lines in input order; returns how many failed. */
  private int run(TargetModel m, List<Head> chosen, Preprocessing pre, ImageBatchReader reader, List<InputFiles.Item> items) throws java.io.IOException {
    int size = pre.size(), s = pre.height();
    List<Path> readable = new ArrayList<>();
    for (InputFiles.Item it : items) if (it.error() == null) readable.add(it.path());
    float[] x = new float[readable.size() * size];
    java.util.Map<Path, String> bad = new java.util.IdentityHashMap<>();
    List<Path> ok = reader.readInto(readable, x, e -> bad.put(e.file(), e.reason()));
    float[] emb = new float[0];
    List<dev.tve.explain.Verifier.Verdict> verdicts = null;
    if (!ok.isEmpty()) {
      try (PointerScope scope = new PointerScope()) {
        emb = m.encoder().embed(NativeTensors.copyOf(x, 0, ok.size(), pre.channels(), s, s));
        if (verifier != null) {
          // Seeded per file as tve explain seeds them: the same image gets the same verdict in both.
          java.util.Map<Path, String> keys = new java.util.HashMap<>();
          for (InputFiles.Item it : items) keys.put(it.path(), it.key());
          long[] seeds = new long[ok.size()];
          for (int i = 0; i < seeds.length; i++) seeds[i] = dev.tve.explain.Verifier.seedOf(keys.get(ok.get(i)));
          verdicts = verifier.check(dev.tve.explain.Images.of(x, ok.size(), pre.channels(), s), seeds);
        }
      }
    }
    int failed = 0, row = 0;
    for (InputFiles.Item it : items) {
      String reason = it.error() != null ? it.error() : bad.get(it.path());
      ObjectNode line = null;
      if (reason == null) {
        line = prediction(it.key(), chosen, emb, row);
        if (line == null) reason = "the model's output is not finite (NaN or infinite logits)";
        else if (verdicts != null) OutputSchema.verdict(line, verdicts.get(row));
        row++;
      }
      if (reason != null) {
        failed++;
        line = OutputSchema.failed(it.key(), reason);
        System.err.println("tve predict: failed " + dev.tve.batch.OutputSchema.printable(it.key()) + ": " + dev.tve.batch.OutputSchema.printable(reason));
      }
      System.out.println(JSON.writeValueAsString(line));
    }
    return failed;
  }

  /** A done line, or null when some probability is not finite. */
  private static ObjectNode prediction(String key, List<Head> chosen, float[] emb, int i) {
    ObjectNode line = JSON.createObjectNode();
    line.put(OutputSchema.FILE, key);
    line.put(OutputSchema.STATUS, OutputSchema.DONE);
    ObjectNode hs = line.putObject(OutputSchema.PREDICTIONS);
    for (Head h : chosen) {
      float[] p = Head.softmax(h.logits(emb, i));
      int best = 0;
      for (int c = 0; c < p.length; c++) {
        if (!Float.isFinite(p[c])) return null;
        if (p[c] > p[best]) best = c;
      }
      ObjectNode o = hs.putObject(h.name());
      o.put(OutputSchema.CLASS, best);
      o.put(OutputSchema.NAME, h.classNames().get(best));
      o.put(OutputSchema.PROBABILITY, p[best]);
      ArrayNode arr = o.putArray("probabilities");
      for (float v : p) arr.add(v);
    }
    return line;
  }
}
