package dev.tve.explain;

import dev.tve.model.ModelCard;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;

/**
 * Saves and loads a pre-trained explainer: {@code explainer.pt} (libtorch archive) and
 * {@code explainer.card.json} in one folder. Loading checks the weights against the card and the
 * card against the encoder it will serve.
 *
 * <pre>{@code
 * ExplainerFiles.save(dir, net, card);
 * ExplainerFiles.Loaded e = ExplainerFiles.load(dir, encoderSha256);
 * }</pre>
 */
public final class ExplainerFiles {
  private ExplainerFiles() {}

  /** A loaded explainer (eval mode) and its card. */
  public record Loaded(ExplainerNetwork network, ExplainerCard card) implements AutoCloseable {
    /** Releases the network's native memory. */
    @Override
    public void close() {
      network.close();
    }
  }

  public static final String WEIGHTS = "explainer.pt", CARD = "explainer.card.json";

  /** Writes the weights (and a TorchScript trunk's modules), then the card with their hashes; each atomically. */
  public static ExplainerCard save(Path dir, ExplainerNetwork net, ExplainerCard card) throws IOException {
    Files.createDirectories(dir);
    Path weights = dir.resolve(WEIGHTS), tmp = dev.tve.io.AtomicFiles.archiveTemp(weights);
    OutputArchive a = new OutputArchive();
    net.save(a);
    a.save_to(tmp.toString());
    dev.tve.io.AtomicFiles.moveArchive(tmp, weights);
    java.util.Map<String, String> trunkFiles = new java.util.LinkedHashMap<>();
    java.util.List<org.bytedeco.pytorch.JitModule> trunks = net.scriptedTrunks();
    for (int i = 0; i < trunks.size(); i++) {
      String name = TRUNK_FILES[i];
      Path t = dev.tve.io.AtomicFiles.archiveTemp(dir.resolve(name));
      trunks.get(i).save(t.toString());
      dev.tve.io.AtomicFiles.moveArchive(t, dir.resolve(name));
      trunkFiles.put(name, ModelCard.sha256(dir.resolve(name)));
    }
    ExplainerCard c = card.withWeights(WEIGHTS, ModelCard.sha256(weights)).withTrunkFiles(trunkFiles);
    c.write(dir.resolve(CARD));
    return c;
  }

  /** A TorchScript trunk's files: the positive (or shared) trunk, then the negative one. */
  static final String[] TRUNK_FILES = {"trunk.pt", "trunk-neg.pt"};

  /**
   * @param encoderSha256 SHA-256 of the weights of the encoder the explainer will serve; null skips
   *     the check (tests only)
   */
  public static Loaded load(Path dir, String encoderSha256) throws IOException {
    if (!Files.isDirectory(dir)) throw new ModelFileException(dir, "no such explainer folder");
    Path cardFile = dir.resolve(CARD);
    if (!Files.isRegularFile(cardFile)) throw new ModelFileException(dir, "no " + CARD + " (not an explainer folder)");
    dev.tve.model.ModelFolder.file(dir, cardFile, "(the card itself)", CARD);     // a link out of the folder is refused
    ExplainerCard card = ExplainerCard.read(cardFile);
    if (encoderSha256 != null && !encoderSha256.equals(card.encoderWeightsSha256())) {
      throw new ModelFileException(dir, "this explainer was pre-trained against encoder weights " + shortHash(card.encoderWeightsSha256())
          + ", not " + shortHash(encoderSha256) + "; pre-train one for this encoder (tve pretrain)");
    }
    if (card.weightsFile() == null) throw new ModelFileException(cardFile, "the card names no weights file");
    Path weights = dev.tve.model.ModelFolder.file(dir, cardFile, "weightsFile", card.weightsFile());
    if (!Files.isRegularFile(weights)) throw new ModelFileException(weights, "missing (named by " + CARD + ")");
    String sha = ModelCard.sha256(weights);
    if (!sha.equals(card.weightsSha256())) throw new ModelFileException(weights, "SHA-256 " + sha + " does not match its card's " + card.weightsSha256());
    ExplainerNetwork net;
    if (card.config().trunk().equals(ExplainerNetwork.Config.TORCHSCRIPT)) {
      int n = card.config().shape() == ExplainerNetwork.Shape.SHARED ? 1 : 2;
      org.bytedeco.pytorch.JitModule[] trunks = new org.bytedeco.pytorch.JitModule[n];
      for (int i = 0; i < n; i++) {
        String name = TRUNK_FILES[i];
        String want = card.trunkFiles().get(name);
        Path f = dev.tve.model.ModelFolder.file(dir, cardFile, "trunkFiles", name);
        if (want == null) throw new ModelFileException(cardFile, "a TorchScript trunk, but the card lists no " + name);
        if (!Files.isRegularFile(f)) throw new ModelFileException(f, "missing (named by " + CARD + ")");
        String got = ModelCard.sha256(f);
        if (!got.equals(want)) throw new ModelFileException(f, "SHA-256 " + got + " does not match its card's " + want);
        trunks[i] = dev.tve.model.TorchScriptEncoder.loadModule(f);
        dev.tve.model.FiniteWeights.check(trunks[i], f);
        dev.tve.model.TorchScriptEncoder.setRequiresGrad(trunks[i], false);
      }
      net = new ExplainerNetwork(card.config(), trunks);
    } else {
      net = new ExplainerNetwork(card.config());
    }
    try {
      InputArchive in = new InputArchive();
      in.load_from(weights.toString());
      net.load(in);
    } catch (RuntimeException e) {
      net.close();
      String m = e.getMessage() == null ? "no message" : e.getMessage().lines().findFirst().orElse("");
      throw new ModelFileException(weights, "cannot load the explainer's weights (" + m + ")", e);
    }
    try {
      dev.tve.model.FiniteWeights.check(net, weights);
    } catch (ModelFileException e) {
      net.close();
      throw e;
    }
    net.eval();
    return new Loaded(net, card);
  }

  private static String shortHash(String h) {
    return h == null ? "(none)" : h.substring(0, Math.min(12, h.length()));
  }
}
