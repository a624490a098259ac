package dev.tve.explain;

import static org.bytedeco.pytorch.global.torch.gelu;

import dev.tve.model.Architecture;
import dev.tve.model.VitEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * TVE's explainer: images [B, C, H, W] to E+ and E- [B, P, D], for every patch p the predicted
 * embedding (in the target encoder's space, width D) of the image with only p's window kept (E+)
 * and with it removed (E-).
 *
 * <p>A trunk (a {@link VitEncoder}: its patch tokens, [CLS] dropped) feeds an explainer head per
 * sign: mixer layers (LayerNorm, Linear over the hidden dimension, GELU, Linear over the tokens,
 * residual), then LayerNorm and a Linear to D. {@link Shape#SEPARATE} is the reference's shape, a
 * trunk per sign; {@link Shape#SHARED} runs one trunk for both heads, at half the trunk's cost.
 *
 * <pre>{@code
 * ExplainerNetwork net = new ExplainerNetwork(ExplainerNetwork.Config.matching(encoder.architecture(), Shape.SHARED));
 * net.initTrunkFrom(encoder);           // optional: start the trunk at the encoder's weights
 * Tensor[] e = net.forward(images);     // e[0] = E+ [B, P, D], e[1] = E- [B, P, D]
 * }</pre>
 *
 * Threads: like an encoder, training belongs to one thread; in eval mode {@link #predict} may be
 * called from many threads.
 */
public final class ExplainerNetwork extends Module {
  /** Trunk sharing between the two heads. */
  public enum Shape { SHARED, SEPARATE }

  /**
   * Sizes. The trunk is a ViT with the target encoder's input geometry (channels, image size,
   * patch); its width, depth and heads may differ from the encoder's unless it is initialised from it.
   *
   * @param dim D, the target encoder's embedding width (the output width)
   * @param mixerLayers mixer layers per explainer head
   */
  public record Config(Shape shape, int channels, int imageSize, int patch, int trunkDim, int trunkLayers, int trunkHeads,
      int mixerLayers, int dim) {
    public Config {
      if (shape == null) throw new IllegalArgumentException("shape: null");
      if (mixerLayers < 0) throw new IllegalArgumentException("mixer layers: " + mixerLayers);
      if (dim < 1) throw new IllegalArgumentException("dim: " + dim);
    }

    /** A trunk of the encoder's own architecture (so it can start at its weights), 2 mixer layers. */
    public static Config matching(Architecture encoder, Shape shape) {
      if (!encoder.name().equals("vit")) throw new IllegalArgumentException("the explainer trunk is a ViT; encoder is '" + encoder.name() + "'");
      return new Config(shape, encoder.channels(), encoder.imageSize(), encoder.size("patch"), encoder.dim(),
          encoder.size("layers"), encoder.size("heads"), 2, encoder.dim());
    }

    public int grid() {
      return imageSize / patch;
    }

    /** The sizes as a model card records them. */
    public Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("shape", shape.name().toLowerCase(java.util.Locale.ROOT));
      m.put("channels", channels);
      m.put("imageSize", imageSize);
      m.put("patch", patch);
      m.put("grid", grid());
      m.put("trunkDim", trunkDim);
      m.put("trunkLayers", trunkLayers);
      m.put("trunkHeads", trunkHeads);
      m.put("mixerLayers", mixerLayers);
      m.put("dim", dim);
      return m;
    }
  }

  private final Config config;
  private final VitEncoder trunkPos;
  private final VitEncoder trunkNeg;
  private final List<List<LinearImpl>> mixPos = new ArrayList<>();
  private final List<List<LinearImpl>> mixNeg = new ArrayList<>();
  private final List<List<LayerNormImpl>> normPos = new ArrayList<>();
  private final List<List<LayerNormImpl>> normNeg = new ArrayList<>();

  public ExplainerNetwork(Config config) {
    this.config = config;
    trunkPos = register_module("trunk", new VitEncoder(config.channels(), config.imageSize(), config.patch(), config.trunkDim(),
        config.trunkLayers(), config.trunkHeads()));
    trunkNeg = config.shape() == Shape.SHARED ? trunkPos
        : register_module("trunk_neg", new VitEncoder(config.channels(), config.imageSize(), config.patch(), config.trunkDim(),
            config.trunkLayers(), config.trunkHeads()));
    head("pos", mixPos, normPos);
    head("neg", mixNeg, normNeg);
  }

  /** Registers one explainer head: per mixer layer [hidden Linear, token Linear] and a LayerNorm; then the output. */
  private void head(String sign, List<List<LinearImpl>> mix, List<List<LayerNormImpl>> norms) {
    int t = config.trunkDim(), p = config.grid() * config.grid();
    List<LinearImpl> lin = new ArrayList<>();
    List<LayerNormImpl> ln = new ArrayList<>();
    for (int l = 0; l < config.mixerLayers(); l++) {
      ln.add(register_module(sign + "_mix" + l + "_ln", layerNorm(t)));
      lin.add(register_module(sign + "_mix" + l + "_hidden", new LinearImpl(t, t)));
      lin.add(register_module(sign + "_mix" + l + "_tokens", new LinearImpl(p, p)));
    }
    ln.add(register_module(sign + "_out_ln", layerNorm(t)));
    lin.add(register_module(sign + "_out", new LinearImpl(t, config.dim())));
    mix.add(lin);
    norms.add(ln);
  }

  private static LayerNormImpl layerNorm(int dim) {
    LongVector shape = new LongVector(1);
    shape.put(0, dim);
    return new LayerNormImpl(shape);
  }

  public Config config() {
    return config;
  }

  /** The trunk (one when shared, positive then negative when separate). */
  public List<VitEncoder> trunks() {
    return config.shape() == Shape.SHARED ? List.of(trunkPos) : List.of(trunkPos, trunkNeg);
  }

  /** E+ and E- [B, P, D], with gradients (training). */
  public Tensor[] forward(Tensor images) {
    Tensor hp = patchTokens(trunkPos, images);
    Tensor hn = config.shape() == Shape.SHARED ? hp : patchTokens(trunkNeg, images);
    return new Tensor[] {applyHead(hp, mixPos.get(0), normPos.get(0)), applyHead(hn, mixNeg.get(0), normNeg.get(0))};
  }

  private static Tensor patchTokens(VitEncoder trunk, Tensor images) {
    Tensor t = trunk.tokens(images);
    return t.narrow(1, 1, t.size(1) - 1);                          // drop [CLS]: [B, P, Dt]
  }

  private Tensor applyHead(Tensor h, List<LinearImpl> lin, List<LayerNormImpl> ln) {
    for (int l = 0; l < config.mixerLayers(); l++) {
      Tensor u = gelu(lin.get(2 * l).forward(ln.get(l).forward(h)));               // mix the hidden dimension
      h = h.add(lin.get(2 * l + 1).forward(u.transpose(1, 2)).transpose(1, 2));    // mix the tokens
    }
    return lin.get(lin.size() - 1).forward(ln.get(ln.size() - 1).forward(h));
  }

  /**
   * E+ and E- without gradients, copied into {@code pos} and {@code neg} ([B * P * D] each). Call
   * {@code eval()} first.
   */
  public void predict(Tensor images, float[] pos, float[] neg) {
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor[] e = forward(images);
      e[0].contiguous().data_ptr_float().get(pos, 0, (int) e[0].numel());
      e[1].contiguous().data_ptr_float().get(neg, 0, (int) e[1].numel());
    }
  }

  /**
   * Copies the encoder's weights into the trunk(s): the "start from the encoder" initialisation. The
   * trunk must have the encoder's architecture ({@link Config#matching}).
   */
  public void initTrunkFrom(VitEncoder encoder) {
    for (VitEncoder trunk : trunks()) {
      copy(encoder.named_parameters(true), trunk.named_parameters(true));
      copy(encoder.named_buffers(true), trunk.named_buffers(true));
    }
  }

  private static void copy(StringTensorDict from, StringTensorDict to) {
    if (from.size() != to.size()) throw new IllegalArgumentException("trunk and encoder differ: " + to.size() + " vs " + from.size() + " tensors");
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      for (long i = 0; i < from.size(); i++) {
        String key = from.get(i).key().getString();
        Tensor src = from.get(i).value();
        if (!to.contains(key)) throw new IllegalArgumentException("the trunk has no tensor '" + key + "'");
        Tensor dst = to.get(key);
        if (!java.util.Arrays.equals(dst.sizes().vec().get(), src.sizes().vec().get())) {
          throw new IllegalArgumentException("'" + key + "': trunk " + java.util.Arrays.toString(dst.sizes().vec().get())
              + ", encoder " + java.util.Arrays.toString(src.sizes().vec().get()));
        }
        dst.copy_(src);
      }
    }
  }
}
