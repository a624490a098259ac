package dev.tve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tve.batch.ExplainRun;
import dev.tve.image.ImageBatchReader;
import dev.tve.image.ImageDataException;
import dev.tve.image.ImageDecoder;
import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tve predict}: class probabilities per head for images and folders, one JSON line per file
 * on standard output (outside faithfulness checks call it). Bad files are a line with an error and
 * a line on stderr; the exit code is then 1.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Class probabilities per head as JSON lines: {\"file\", \"heads\": {name: {predicted, name, probabilities}}}.")
public final class PredictCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Images or folders.") List<Path> paths;
  @Option(names = "--model", description = "Model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--head", split = ",", description = "Head name(s) (default: all of the model's).") List<String> heads;
  @Option(names = "--batch", defaultValue = "64") int batch;
  @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (threads != null) ThreadPolicy.apply(threads);
    else ThreadPolicy.apply();
    TargetModel m = TargetModel.load(model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit"));
    List<Head> chosen = new ArrayList<>();
    if (heads == null || heads.isEmpty()) chosen.addAll(m.heads().values());
    else for (String h : heads) chosen.add(m.head(h));
    Preprocessing pre = m.input().preprocessing();
    ImageDecoder decoder = ImageDecoder.create();
    int failed = 0;
    List<Path> pending = new ArrayList<>();
    for (Path input : paths) {
      if (!Files.exists(input)) {
        failed++;
        error(input, "no such file or folder");
        continue;
      }
      try (Stream<Path> files = ExplainRun.list(input)) {
        Iterator<Path> it = files.iterator();
        while (it.hasNext()) {
          pending.add(it.next());
          if (pending.size() == batch) {
            failed += run(m, chosen, pre, decoder, pending);
            pending.clear();
          }
        }
      }
    }
    if (!pending.isEmpty()) failed += run(m, chosen, pre, decoder, pending);
    System.out.flush();
    return failed > 0 ? 1 : 0;
  }

  private int run(TargetModel m, List<Head> chosen, Preprocessing pre, ImageDecoder decoder, List<Path> files) throws Exception {
    int size = pre.size(), s = pre.height(), failed = 0;
    float[] x = new float[files.size() * size];
    List<ImageDataException> bad = new ArrayList<>();
    List<Path> ok = new ImageBatchReader(decoder, pre).readInto(files, x, bad::add);
    for (ImageDataException e : bad) error(e.file(), e.reason());
    failed += bad.size();
    if (ok.isEmpty()) return failed;
    float[] emb;
    try (PointerScope scope = new PointerScope()) {
      emb = m.encoder().embed(torch.from_blob(new FloatPointer(x), new long[] {ok.size(), pre.channels(), s, s},
          new TensorOptions(torch.ScalarType.Float)));
    }
    for (int i = 0; i < ok.size(); i++) {
      ObjectNode line = JSON.createObjectNode();
      line.put("file", ok.get(i).normalize().toString());
      ObjectNode hs = line.putObject("heads");
      for (Head h : chosen) {
        float[] p = Head.softmax(h.logits(emb, i));
        int best = 0;
        for (int c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
        ObjectNode o = hs.putObject(h.name());
        o.put("predicted", best);
        o.put("name", h.classNames().get(best));
        ArrayNode arr = o.putArray("probabilities");
        for (float v : p) arr.add(v);
      }
      System.out.println(JSON.writeValueAsString(line));
    }
    return failed;
  }

  private static void error(Path f, String reason) throws Exception {
    ObjectNode line = JSON.createObjectNode();
    line.put("file", f.normalize().toString());
    line.put("error", reason);
    System.out.println(JSON.writeValueAsString(line));
    System.err.println("tve predict: skipped " + f + ": " + reason);
  }
}
