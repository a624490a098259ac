package dev.tve.golden;

import dev.tve.explain.Attribution;
import dev.tve.explain.ExplainerFiles;
import dev.tve.explain.PatchExplainer;
import dev.tve.explain.ReferenceMaps;
import dev.tve.explain.TargetSpec;
import dev.tve.explain.TveExplainer;
import dev.tve.explain.TvePatchExplainer;
import dev.tve.explain.classic.GradCam;
import dev.tve.explain.classic.IntegratedGradients;
import dev.tve.explain.classic.KernelShap;
import dev.tve.explain.classic.Occlusion;
import dev.tve.explain.classic.Rise;
import dev.tve.explain.classic.Saliency;
import dev.tve.image.ImageBatchReader;
import dev.tve.image.ImageDecoder;
import dev.tve.image.Preprocessing;
import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import dev.tve.image.Canvases;
import dev.tve.model.EncoderModule;
import dev.tve.model.Head;
import dev.tve.model.ModelScorer;
import dev.tve.model.TargetModel;
import dev.tve.runtime.ThreadPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the golden maps of every method on the shipped samples with the code of the commit before
 * the library refactor (issue 17). Run once: mvn -pl java test -Dtest=GoldenMapsWriter -Dtve.golden.write=DIR.
 * Perturbation methods explained the softmax probability then; gradient methods and TVE the logit.
 */
class GoldenMapsWriter {
  static final String[] IMAGES = {"scene-00.png", "scene-01.png", "scene-02.png", "scene-03.png", "scene-04.png", "scene-05.png",
      "photos/chelsea.png", "photos/coffee.png"};

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("zoo/scene-vit"))) p = p.getParent();
    return p;
  }

  @Test
  @EnabledIfSystemProperty(named = "tve.golden.write", matches = ".+")
  void write() throws Exception {
    Path out = Path.of(System.getProperty("tve.golden.write"));
    Files.createDirectories(out);
    ThreadPolicy.apply(1);
    Path root = root();
    TargetModel model = TargetModel.load(root.resolve("zoo/scene-vit"));
    ExplainerFiles.Loaded loaded = ExplainerFiles.load(root.resolve("zoo/explainer"), model.card().weightsSha256());
    TveExplainer tve = TveExplainer.builder(model, loaded.network(), loaded.card()).build();
    float mean = ((Number) model.card().preprocessing().get("mean")).floatValue(), std = ((Number) model.card().preprocessing().get("std")).floatValue();
    Preprocessing pre = Preprocessing.builder(56, 56, 1).optMean(new float[] {mean}).optStd(new float[] {std}).build();
    List<Path> files = new ArrayList<>();
    for (String s : IMAGES) files.add(root.resolve("samples").resolve(s));
    int n = files.size(), f = 56 * 56, g = 7;
    float[] x = new float[n * f];
    List<Path> ok = new ImageBatchReader(ImageDecoder.create(), pre).readInto(files, x, e -> { throw new IllegalStateException(e); });
    if (ok.size() != n) throw new IllegalStateException("unreadable sample");
    Npy.write(out.resolve("images.npy"), NpyArray.ofFloats(x, n, 1, 56, 56));
    Head head = model.head("ten-class");
    ModelScorer scorer = new ModelScorer(model.encoder(), head, 128);
    int[] targets = scorer.predict(x, n);
    Npy.write(out.resolve("targets.npy"), NpyArray.ofInts(targets, n));
    EncoderModule enc = (EncoderModule) model.encoder();
    float[] black = Canvases.black(1, 56, new float[] {mean}, new float[] {std});
    float[] blurred = new float[n * f];
    for (int i = 0; i < n; i++) System.arraycopy(Canvases.blur(java.util.Arrays.copyOfRange(x, i * f, (i + 1) * f), 1, 56, 4.0), 0, blurred, i * f, f);
    Map<String, float[][]> maps = new LinkedHashMap<>();
    maps.put("tve", new TvePatchExplainer(tve, head, true).explain(x, n, targets));
    maps.put("tve-display", new TvePatchExplainer(tve, head, false).explain(x, n, targets));
    maps.put("saliency", new Saliency(enc, head, g, 32).explain(x, n, targets));
    maps.put("integrated-gradients", new IntegratedGradients(enc, head, g, 50, black).explain(x, n, targets));
    maps.put("integrated-gradients-blur", new IntegratedGradients(enc, head, g, 50, black).explain(x, blurred, n, targets));
    maps.put("grad-cam", new GradCam(enc, head, g, 32).explain(x, n, targets));
    maps.put("occlusion", Occlusion.builder(scorer, 1, 56, g).build().explain(x, n, targets));
    maps.put("rise", Rise.builder(scorer, 1, 56, g).optMasks(400).optSeed(7).build().explain(x, n, targets));
    maps.put("kernel-shap", KernelShap.builder(scorer, 1, 56, g).optSamples(300).optSeed(7).build().explain(x, n, targets));
    float[][] rnd = new float[n][], inten = new float[n][];
    for (int i = 0; i < n; i++) {
      rnd[i] = ReferenceMaps.random(g, 7, i);
      inten[i] = ReferenceMaps.intensity(x, i * f, 1, 56, g, new float[] {mean}, new float[] {std});
    }
    maps.put("random", rnd);
    maps.put("intensity", inten);
    for (Map.Entry<String, float[][]> e : maps.entrySet()) {
      float[] flat = new float[n * g * g];
      for (int i = 0; i < n; i++) System.arraycopy(e.getValue()[i], 0, flat, i * g * g, g * g);
      Npy.write(out.resolve(e.getKey() + ".npy"), NpyArray.ofFloats(flat, n, g, g));
    }
    // TVE's multi-target form, as tve explain --head ten-class,coarse --target all writes it (raw and display maps).
    List<Attribution> all;
    try (PointerScope scope = new PointerScope()) {
      all = tve.explain(torch.from_blob(new FloatPointer(x), new long[] {n, 1, 56, 56}, new TensorOptions(torch.ScalarType.Float)),
          List.of(head, model.head("coarse")), TargetSpec.parse("all"));
    }
    float[] raw = new float[all.size() * g * g], disp = new float[all.size() * g * g];
    int[] cls = new int[all.size()];
    for (int i = 0; i < all.size(); i++) {
      System.arraycopy(all.get(i).raw(), 0, raw, i * g * g, g * g);
      System.arraycopy(all.get(i).map(), 0, disp, i * g * g, g * g);
      cls[i] = all.get(i).target();
    }
    Npy.write(out.resolve("tve-all-raw.npy"), NpyArray.ofFloats(raw, all.size(), g, g));
    Npy.write(out.resolve("tve-all-map.npy"), NpyArray.ofFloats(disp, all.size(), g, g));
    Npy.write(out.resolve("tve-all-classes.npy"), NpyArray.ofInts(cls, all.size()));
  }
}
