package dev.tve.explain;

import dev.tve.model.ModelCard;
import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

  /** Writes the weights, then the card with their hash; both atomically. */
  public static ExplainerCard save(Path dir, ExplainerNetwork net, ExplainerCard card) throws IOException {
    Files.createDirectories(dir);
    Path weights = dir.resolve(WEIGHTS), tmp = dir.resolve(WEIGHTS + ".tmp");
    OutputArchive a = new OutputArchive();
    net.save(a);
    a.save_to(tmp.toString());
    Files.move(tmp, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    ExplainerCard c = card.withWeights(WEIGHTS, ModelCard.sha256(weights));
    c.write(dir.resolve(CARD));
    return c;
  }

  /**
   * @param encoderSha256 SHA-256 of the weights of the encoder the explainer will serve; null skips
   *     the check (tests only)
   */
  public static Loaded load(Path dir, String encoderSha256) throws IOException {
    if (!Files.isDirectory(dir)) throw new ModelFileException(dir, "no such explainer folder");
    Path cardFile = dir.resolve(CARD);
    if (!Files.isRegularFile(cardFile)) throw new ModelFileException(dir, "no " + CARD + " (not an explainer folder)");
    ExplainerCard card = ExplainerCard.read(cardFile);
    if (encoderSha256 != null && !encoderSha256.equals(card.encoderWeightsSha256())) {
      throw new ModelFileException(dir, "this explainer was pre-trained against encoder weights " + shortHash(card.encoderWeightsSha256())
          + ", not " + shortHash(encoderSha256) + "; pre-train one for this encoder (tve pretrain)");
    }
    if (card.weightsFile() == null) throw new ModelFileException(cardFile, "the card names no weights file");
    Path weights = dir.resolve(card.weightsFile());
    if (!Files.isRegularFile(weights)) throw new ModelFileException(weights, "missing (named by " + CARD + ")");
    String sha = ModelCard.sha256(weights);
    if (!sha.equals(card.weightsSha256())) throw new ModelFileException(weights, "SHA-256 " + sha + " does not match its card's " + card.weightsSha256());
    ExplainerNetwork net = new ExplainerNetwork(card.config());
    try {
      InputArchive in = new InputArchive();
      in.load_from(weights.toString());
      net.load(in);
    } catch (RuntimeException e) {
      net.close();
      String m = e.getMessage() == null ? "no message" : e.getMessage().lines().findFirst().orElse("");
      throw new ModelFileException(weights, "cannot load the explainer's weights (" + m + ")", e);
    }
    net.eval();
    return new Loaded(net, card);
  }

  private static String shortHash(String h) {
    return h == null ? "(none)" : h.substring(0, Math.min(12, h.length()));
  }
}
