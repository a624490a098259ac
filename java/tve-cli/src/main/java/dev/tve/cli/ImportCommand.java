package dev.tve.cli;

import dev.tve.image.Preprocessing;
import dev.tve.model.Head;
import dev.tve.model.ModelImport;
import dev.tve.model.TargetModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve import}: a user's TorchScript encoder and heads as a model folder every command takes with --model. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Import a TorchScript classifier (an encoder and linear or MLP heads) as a model folder for --model.",
        "  tve import --encoder encoder.pt --head head.pt --classes labels.txt --size 224 --patch 16 --out models/mine",
        "The encoder's forward(x) maps [B, C, S, S] float32 to [B, D]; it may also expose tokens(x) or features(x) (the explainer "
            + "trunk starts from them) and from_tokens / from_features (Grad-CAM). Everything is checked before anything is written."})
public final class ImportCommand implements Callable<Integer> {
  @Option(names = "--encoder", required = true, description = "TorchScript encoder file.") Path encoder;
  @Option(names = "--head", required = true, description = "[NAME=]SPEC, repeatable: head.pt (a Linear, or W,b / W1,b1,W2,b2 parameters), "
      + "model.pt:fc.weight,fc.bias (named parameters), W.npy,b.npy or W1.npy,b1.npy,W2.npy,b2.npy. NAME defaults to 'head' (one head).")
  List<String> heads;
  @Option(names = "--classes", description = "Labels file per head, in --head order (one class name per line); one file serves every head.")
  List<Path> classes;
  @Option(names = "--size", required = true, description = "Input side S.") int size;
  @Option(names = "--patch", required = true, description = "Patch side P in pixels: the maps are S/P cells a side.") int patch;
  @Option(names = "--channels", defaultValue = "3", description = "Input channels, 1 or 3 (default: ${DEFAULT-VALUE}).") int channels;
  @Option(names = "--mean", split = ",", description = "Per-channel mean of pixels in [0, 1] (default 0.485,0.456,0.406 for RGB, 0.5 grey).") float[] mean;
  @Option(names = "--std", split = ",", description = "Per-channel std (default 0.229,0.224,0.225 for RGB, 0.5 grey).") float[] std;
  @Option(names = "--input-scale", defaultValue = "1", description = "Value of a full-intensity pixel before normalisation: 1 or 255 (default: ${DEFAULT-VALUE}).")
  float inputScale;
  @Option(names = "--channel-order", defaultValue = "rgb", description = "rgb | bgr (default: ${DEFAULT-VALUE}).") Preprocessing.ChannelOrder channelOrder;
  @Option(names = "--resize", defaultValue = "stretch", description = "stretch | crop (centre crop; default: ${DEFAULT-VALUE}).") String resize;
  @Option(names = "--out", required = true, description = "The model folder to write (must not exist).") Path out;

  @Override
  public Integer call() throws Exception {
    ModelImport.Builder b = ModelImport.builder(encoder, size, patch).optChannels(channels).optInputScale(inputScale).optChannelOrder(channelOrder)
        .optResize(switch (resize) {
          case "stretch" -> Preprocessing.Resize.STRETCH;
          case "crop" -> Preprocessing.Resize.CENTER_CROP;
          default -> throw new IllegalArgumentException("--resize " + resize + ": stretch or crop");
        });
    if (mean != null) b.optMean(mean);
    if (std != null) b.optStd(std);
    if (classes != null && classes.size() != 1 && classes.size() != heads.size()) {
      throw new IllegalArgumentException(classes.size() + " --classes files for " + heads.size() + " --head: give one per head, or one for all");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < heads.size(); i++) {
      String h = heads.get(i);
      int eq = h.indexOf('=');
      String name = eq > 0 ? h.substring(0, eq) : heads.size() == 1 ? "head" : null;
      if (name == null) throw new IllegalArgumentException("--head " + h + ": name each of several heads, NAME=SPEC");
      names.add(name);
      b.optHead(name, eq > 0 ? h.substring(eq + 1) : h, classes == null ? null : classes.get(classes.size() == 1 ? 0 : i));
    }
    ModelImport imp = b.build();
    imp.write(out);
    try (TargetModel m = TargetModel.load(out)) {
      System.out.printf("imported %s: %s, D=%d, %d x %d grid of %d-pixel patches, exposes %s%n", out, m.input(), m.encoder().dim(),
          m.input().grid(), m.input().grid(), patch, m.card().notes().get("exposes"));
      for (Head h : m.heads().values()) System.out.printf("  head %s: %d classes %s%n", h.name(), h.classes(), abbreviate(h.classNames()));
    }
    return 0;
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 8 ? names.toString() : names.subList(0, 8) + "... (" + names.size() + ")";
  }
}
