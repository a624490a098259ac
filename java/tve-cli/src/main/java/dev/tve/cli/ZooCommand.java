package dev.tve.cli;

import dev.tve.image.FashionMnist;
import dev.tve.io.AtomicFiles;
import dev.tve.image.LabeledImages;
import dev.tve.image.Scene;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.model.Embeddings;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import dev.tve.model.Heads;
import dev.tve.model.ModelCard;
import dev.tve.model.Probe;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import dev.tve.render.PngFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tve zoo build}: regenerates the embedded default from the Debian dataset with a recorded
 * recipe: the scene encoder and its 10-class head, the coarse, held-out-class and shuffled-label
 * heads, the TVE explainer (two classes left out of its pre-training), and the sample scenes. Each
 * step checkpoints or is skipped when its output is complete, so a build cut off goes on later from
 * where it stopped. Same machine kind and thread count: the same bytes.
 */
@Command(name = "zoo", mixinStandardHelpOptions = true, subcommands = {ZooCommand.Build.class},
    description = "The embedded default model zoo.")
public final class ZooCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Coarse groups of the Fashion-MNIST classes: tops, bottoms, footwear, bags. */
  static final List<String> COARSE = List.of("tops", "bottoms", "footwear", "bags");
  static final int[] COARSE_OF = {0, 1, 0, 0, 0, 2, 0, 2, 3, 2};
  /** Classes left out of the explainer's pre-training (Bag, Ankle boot). */
  static final int[] HELD_OUT = {8, 9};

  @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Build the zoo: encoder, heads, explainer, samples (resumes where a cut-off build stopped).",
          "  tve zoo build            full recipe (about 75 minutes here: 2 cores, 1 libtorch thread)",
          "  tve zoo build --smoke    the same steps at tiny sizes, a few minutes"})
  public static final class Build implements Callable<Integer> {
    @Option(names = "--out", description = "Zoo folder (default: zoo/ of the checkout).") Path out;
    @Option(names = "--samples", description = "Sample scenes folder (default: samples/ of the checkout).") Path samples;
    @Option(names = "--smoke", description = "Tiny sizes: checks the recipe end to end in minutes.") boolean smoke;
    @Option(names = "--data", description = "Fashion-MNIST folder (default: the Debian package's).") Path data;
    @Option(names = "--threads", description = "libtorch threads (default: tve.torch.threads, else 1).") Integer threads;

    @Override
    public Integer call() throws Exception {
      Path zoo = out != null ? out : ExplainCommand.home().resolve("zoo");
      Path samplesDir = samples != null ? samples : ExplainCommand.home().resolve("samples");
      int t = threads != null ? ThreadPolicy.apply(threads) : ThreadPolicy.apply();
      Path modelDir = zoo.resolve("scene-vit"), explainerDir = zoo.resolve("explainer");
      Map<String, Object> recipe = new LinkedHashMap<>();
      long t0 = System.nanoTime();

      List<String> enc = new ArrayList<>(List.of("--arch", "vit", "--seed", "1", "--threads", Integer.toString(t), "--out", modelDir.toString()));
      // 8 epochs, not encoder-train's 12: about 88 % either way, and the whole build fits its 1.5 h here.
      if (!smoke) enc.addAll(List.of("--epochs", "8"));
      if (smoke) enc.addAll(List.of("--epochs", "1", "--scenes-per-epoch", "640", "--batch", "32", "--dim", "32", "--layers", "1",
          "--probe-scenes", "300", "--test-scenes", "100", "--validation", "50"));
      if (data != null) enc.addAll(List.of("--data", data.toString()));
      recipe.put("encoder", "tve encoder-train " + shown(String.join(" ", enc)));
      if (!Files.isRegularFile(modelDir.resolve("encoder.card.json"))) {
        System.err.println("zoo: step 1/4, the scene encoder");
        int code = TveCommand.configure(new CommandLine(new EncoderCommand())).execute(enc.toArray(String[]::new));
        if (code != 0) return code;
      } else {
        System.err.println("zoo: step 1/4 done already (" + modelDir + ")");
      }

      recipe.put("heads", "coarse (MLP 64, 4 groups), held-out (Bag vs Ankle boot), shuffled-labels (10 classes, labels permuted, seed 7)");
      Map<String, Double> headAccuracy = heads(modelDir, data, smoke);

      List<String> pre = new ArrayList<>(List.of("--model", modelDir.toString(), "--seed", "1", "--threads", Integer.toString(t),
          "--exclude", "8,9", "--out", explainerDir.toString()));
      if (smoke) pre.addAll(List.of("--steps", "12", "--batch", "8", "--centres", "2", "--validation", "40"));
      if (data != null) pre.addAll(List.of("--data", data.toString()));
      recipe.put("explainer", "tve pretrain " + shown(String.join(" ", pre)));
      if (!Files.isRegularFile(explainerDir.resolve("explainer.card.json"))) {
        System.err.println("zoo: step 3/4, the TVE explainer");
        int code = TveCommand.configure(new CommandLine(new PretrainCommand())).execute(pre.toArray(String[]::new));
        if (code != 0) return code;
      } else {
        System.err.println("zoo: step 3/4 done already (" + explainerDir + ")");
      }

      samples(samplesDir, modelDir, data, smoke ? 4 : 16);
      recipe.put("samples", (smoke ? 4 : 16) + " test-split scenes, seed 2024");
      // From the heads' cards, so that a build resumed after step 2 still records them.
      TargetModel built = TargetModel.load(modelDir);
      for (Head h : built.heads().values()) {
        Map<String, Object> hc = Heads.card(modelDir, h.name());
        if (hc != null && hc.get("testAccuracy") instanceof Number a) headAccuracy.putIfAbsent(h.name(), a.doubleValue());
      }
      recipe.put("headAccuracy", headAccuracy);
      recipe.put("threads", t);
      recipe.put("encoderSeconds", built.card().training().get("seconds"));
      recipe.put("explainerSeconds", dev.tve.explain.ExplainerCard.read(explainerDir.resolve("explainer.card.json")).training().get("seconds"));
      recipe.put("secondsThisRun", (System.nanoTime() - t0) / 1e9);
      AtomicFiles.writeJson(zoo.resolve("recipe.json"), recipe);
      System.out.printf("zoo: built %s in %.0f s this run (%d threads); heads: %s%n", zoo, (System.nanoTime() - t0) / 1e9, t, headAccuracy);
      return 0;
    }

    /** A command line as the recipe shows it: paths inside the checkout relative to it. */
    private static String shown(String command) {
      String home = ExplainCommand.home().toAbsolutePath().normalize() + "/";
      return command.replace(home, "");
    }

    /** Step 2: heads trained after the encoder on its embeddings of train scenes it never saw. */
    private Map<String, Double> heads(Path modelDir, Path data, boolean smoke) throws Exception {
      TargetModel model = TargetModel.load(modelDir);
      ModelCard card = model.card();
      Path dir = data != null ? data : FashionMnist.locate();
      LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN), test = FashionMnist.load(dir, FashionMnist.Split.TEST);
      int carved = ((Number) card.training().getOrDefault("validationItems", 5000)).intValue();
      Splits splits = Splits.carve(train.size(), carved, card.seed());
      float mean = ((Number) card.preprocessing().get("mean")).floatValue(), std = ((Number) card.preprocessing().get("std")).floatValue();
      long seed = card.seed();
      // Scene indices past everything the encoder and its probe used.
      long first = (long) ((Number) card.training().get("epochs")).intValue() * ((Number) card.training().get("scenesPerEpoch")).intValue()
          + ((Number) card.training().get("probeScenes")).intValue();
      int n = smoke ? 300 : 20_000, nTest = smoke ? 100 : 10_000;
      EncoderModule encoder = (EncoderModule) model.encoder();
      Map<String, Double> acc = new LinkedHashMap<>();
      if (model.heads().keySet().containsAll(List.of("coarse", "held-out", "shuffled-labels"))) {
        System.err.println("zoo: step 2/4 done already (heads in " + modelDir + ")");
        return acc;
      }
      System.err.println("zoo: step 2/4, heads");
      Embeddings all = Embeddings.of(encoder, new SceneBatches(SceneGenerator.builder(train, splits.train()).optSeed(seed).build(), mean, std), first, n, 128);
      Embeddings tst = Embeddings.of(encoder, new SceneBatches(SceneGenerator.builder(test, Splits.all(test.size())).optSeed(seed + 2).build(), mean, std), 0, nTest, 128);
      Probe probe = Probe.builder().optSeed(seed).build();
      int[] coarse = map(all.labels(), COARSE_OF), coarseTest = map(tst.labels(), COARSE_OF);
      Head c = probe.trainMlp("coarse", all.values(), coarse, COARSE, 64);
      acc.put("coarse", c.accuracy(tst.values(), coarseTest));
      // Held-out classes: a head on Bag vs Ankle boot scenes only.
      int[] heldTrain = indices(all.labels(), HELD_OUT), heldTest = indices(tst.labels(), HELD_OUT);
      Head h = probe.trainLinear("held-out", rows(all, heldTrain), relabel(all.labels(), heldTrain), names(HELD_OUT));
      acc.put("held-out", h.accuracy(rows(tst, heldTest), relabel(tst.labels(), heldTest)));
      int[] shuffled = all.labels().clone();
      Random r = new Random(7);
      for (int i = shuffled.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1), x = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = x;
      }
      Head s = probe.trainLinear("shuffled-labels", all.values(), shuffled, FashionMnist.CLASSES);
      acc.put("shuffled-labels", s.accuracy(tst.values(), tst.labels()));
      Head ten = model.head("ten-class");
      acc.put("ten-class", ten.accuracy(tst.values(), tst.labels()));
      String trainedOn = String.format("frozen embeddings of %d train-split scenes (indices %d.., generator seed %d) that neither the encoder "
          + "nor its probe saw", n, first, seed);
      String testedOn = String.format("%d test-split scenes (generator seed %d)", nTest, seed + 2);
      Heads.save(modelDir, ten, headCard(card, "the 10 Fashion-MNIST classes", "tve encoder-train: linear probe on " + card.training().get("probeScenes")
          + " train scenes after the encoder", "linear", testedOn, acc.get("ten-class")));
      Heads.save(modelDir, c, headCard(card, "coarse groups " + COARSE + " of the 10 classes", trainedOn, "MLP, 64 hidden (GELU)", testedOn,
          acc.get("coarse")));
      Heads.save(modelDir, h, headCard(card, "the classes left out of the explainer's pre-training (Bag vs Ankle boot)", trainedOn
          + ", only those of the two classes", "linear", "the " + heldTest.length + " of those test scenes showing the two classes", acc.get("held-out")));
      Heads.save(modelDir, s, headCard(card, "sanity check: labels shuffled (seed 7), so the head must learn nothing; its test accuracy "
          + "should sit near chance and explanations of it should look unlike the ten-class head's", trainedOn, "linear", testedOn,
          acc.get("shuffled-labels")));
      return acc;
    }

    private static Map<String, Object> headCard(ModelCard encoder, String purpose, String trainedOn, String form, String testedOn, double accuracy) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("purpose", purpose);
      m.put("form", form + "; standardisation of the embeddings folded into the first layer");
      m.put("trainedOn", trainedOn);
      m.put("testedOn", testedOn);
      m.put("testAccuracy", accuracy);
      m.put("encoderWeightsSha256", encoder.weightsSha256());
      m.put("recipe", "tve zoo build, step 2");
      return m;
    }

    private static int[] map(int[] labels, int[] to) {
      int[] o = new int[labels.length];
      for (int i = 0; i < o.length; i++) o[i] = to[labels[i]];
      return o;
    }

    private static int[] indices(int[] labels, int[] classes) {
      List<Integer> o = new ArrayList<>();
      for (int i = 0; i < labels.length; i++) for (int c : classes) if (labels[i] == c) o.add(i);
      return o.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] relabel(int[] labels, int[] idx) {
      int[] o = new int[idx.length];
      for (int i = 0; i < idx.length; i++) {
        for (int k = 0; k < HELD_OUT.length; k++) if (labels[idx[i]] == HELD_OUT[k]) o[i] = k;
      }
      return o;
    }

    private static float[] rows(Embeddings e, int[] idx) {
      float[] o = new float[idx.length * e.dim()];
      for (int i = 0; i < idx.length; i++) System.arraycopy(e.values(), idx[i] * e.dim(), o, i * e.dim(), e.dim());
      return o;
    }

    private static List<String> names(int[] classes) {
      List<String> o = new ArrayList<>();
      for (int c : classes) o.add(FashionMnist.CLASSES.get(c));
      return o;
    }

    /** Step 4: sample scenes from the test split as PNG, with their labels and boxes. */
    private static void samples(Path dir, Path modelDir, Path data, int count) throws Exception {
      System.err.println("zoo: step 4/4, " + count + " sample scenes");
      LabeledImages test = FashionMnist.load(data != null ? data : FashionMnist.locate(), FashionMnist.Split.TEST);
      SceneGenerator gen = SceneGenerator.builder(test, Splits.all(test.size())).optSeed(2024).build();
      Files.createDirectories(dir);
      List<Map<String, Object>> index = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Scene s = gen.scene(i);
        String name = String.format("scene-%02d.png", i);
        try (Mat m = new Mat(gen.canvas(), gen.canvas(), org.bytedeco.opencv.global.opencv_core.CV_8UC1, new BytePointer(s.pixels()))) {
          PngFiles.write(dir.resolve(name), m);
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("file", name);
        e.put("label", s.label());
        e.put("class", FashionMnist.CLASSES.get(s.label()));
        e.put("box", List.of(s.box().x0(), s.box().y0(), s.box().x1(), s.box().y1()));   // x0, y0, x1, y1 (exclusive)
        index.add(e);
      }
      AtomicFiles.writeJson(dir.resolve("scenes.json"), index);
    }
  }
}
