package dev.tve.explain;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;
import static org.bytedeco.pytorch.global.torch.gelu;

import dev.tve.image.NativeTensors;
import dev.tve.model.Architecture;
import dev.tve.model.VitEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.named_parameter_iterator;
import org.bytedeco.pytorch.named_parameter_list;
import org.bytedeco.pytorch.parameter_iterator;
import org.bytedeco.pytorch.parameter_list;

/**
 * TVE's explainer: images [B, C, H, W] to E+ and E- [B, P, D], for every patch p the predicted
 * embedding (in the target encoder's space, width D) of the image with only p's window kept (E+)
 * and with it removed (E-).
 *
 * <p>A trunk (a {@link VitEncoder}: its patch tokens, [CLS] dropped; or a trainable copy of a user's
 * TorchScript encoder read through its {@code tokens(x)} or {@code features(x)}, a feature map pooled
 * or repeated onto the g x g grid) feeds an explainer head per
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
   * @param constantOutputs embedding dimensions that were constant over the pre-training targets (dead
   *     channels), with their value: E+ and E- output that value there. Without this a head weight
   *     that multiplies an always-zero dimension (such weights drift to 10^4 and more, unchecked by the
   *     data) turns the explainer's small error there into a logit error of thousands.
   * @param standardised the heads predict each dimension in units of its spread over the pre-training
   *     targets (E = mean + sd * output; the loss weighs every dimension alike), with the mean and sd
   *     stored in the weights; otherwise in the encoder's raw units, where wide dimensions dominate
   *     the loss whatever weight a head gives them
   */
  public record Config(Shape shape, int channels, int imageSize, int patch, int trunkDim, int trunkLayers, int trunkHeads,
      int mixerLayers, int dim, String trunk, String trunkMethod,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
      java.util.SortedMap<Integer, Float> constantOutputs,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
      boolean standardised,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String objective) {
    /** The built-in ViT trunk. */
    public static final String VIT = "vit";
    /** A trainable copy of the user's TorchScript encoder, read through {@code trunkMethod} (tokens or features). */
    public static final String TORCHSCRIPT = "torchscript";

    public Config {
      if (shape == null) throw new IllegalArgumentException("shape: null");
      if (mixerLayers < 0) throw new IllegalArgumentException("mixer layers: " + mixerLayers);
      if (dim < 1) throw new IllegalArgumentException("dim: " + dim);
      if (trunk == null) trunk = VIT;
      if (!trunk.equals(VIT) && !trunk.equals(TORCHSCRIPT)) throw new IllegalArgumentException("trunk '" + trunk + "': vit or torchscript");
      if (trunk.equals(TORCHSCRIPT) && !"tokens".equals(trunkMethod) && !"features".equals(trunkMethod)) {
        throw new IllegalArgumentException("a TorchScript trunk reads tokens or features, not " + trunkMethod);
      }
      if (objective != null) objective = Objective.parse(objective) == Objective.WINDOW ? null : Objective.parse(objective).label();
      constantOutputs = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(constantOutputs == null ? Map.of() : constantOutputs));
      for (Map.Entry<Integer, Float> e : constantOutputs.entrySet()) {
        if (e.getKey() < 0 || e.getKey() >= dim || e.getValue() == null || !Float.isFinite(e.getValue())) {
          throw new IllegalArgumentException("constant output " + e.getKey() + " = " + e.getValue() + " (D " + dim + ")");
        }
      }
    }

    /** Without constant outputs. */
    public Config(Shape shape, int channels, int imageSize, int patch, int trunkDim, int trunkLayers, int trunkHeads, int mixerLayers, int dim,
        String trunk, String trunkMethod) {
      this(shape, channels, imageSize, patch, trunkDim, trunkLayers, trunkHeads, mixerLayers, dim, trunk, trunkMethod, null, false, null);
    }

    /** @return what the network predicts (window for configs from before objectives) */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Objective objectiveKind() { return Objective.parse(objective); }

    /** @return whether it predicts the per-patch game value Phi (one head) rather than E+ and E- */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isGame() { return objective != null; }

    /** The same sizes predicting for {@code o}: a game objective has one explainer head (Phi) and no E- head. */
    public Config withObjective(Objective o) {
      return new Config(shape, channels, imageSize, patch, trunkDim, trunkLayers, trunkHeads, mixerLayers, dim, trunk, trunkMethod,
          constantOutputs, standardised, o.isGame() ? o.label() : null);
    }

    /** The same sizes with these constant outputs. */
    public Config withConstantOutputs(Map<Integer, Float> outputs) {
      return new Config(shape, channels, imageSize, patch, trunkDim, trunkLayers, trunkHeads, mixerLayers, dim, trunk, trunkMethod,
          outputs == null ? null : new java.util.TreeMap<>(outputs), standardised, objective);
    }

    /** The same sizes, the outputs standardised or not. */
    public Config withStandardised(boolean on) {
      return new Config(shape, channels, imageSize, patch, trunkDim, trunkLayers, trunkHeads, mixerLayers, dim, trunk, trunkMethod,
          constantOutputs, on, objective);
    }

    /** A built-in ViT trunk (cards of format 1 and before). */
    public Config(Shape shape, int channels, int imageSize, int patch, int trunkDim, int trunkLayers, int trunkHeads, int mixerLayers, int dim) {
      this(shape, channels, imageSize, patch, trunkDim, trunkLayers, trunkHeads, mixerLayers, dim, VIT, null);
    }

    /**
     * A trunk copied from a TorchScript encoder that exposes {@code tokens} or {@code features}.
     *
     * @param encoder the encoder
     * @param shape trunk sharing
     * @param patch the patch side in pixels
     * @param mixerLayers mixer layers per explainer head
     * @return the config
     */
    public static Config copying(dev.tve.model.TorchScriptEncoder encoder, Shape shape, int patch, int mixerLayers) {
      long[] t = encoder.trunkShape();
      if (t == null) throw new IllegalArgumentException(encoder.file() + " exposes neither tokens(x) nor features(x)");
      int width = (int) (encoder.hasTokens() ? t[1] : t[0]);
      return new Config(shape, encoder.channels(), encoder.imageSize(), patch, width, 0, 0, mixerLayers, encoder.dim(), TORCHSCRIPT,
          encoder.trunkMethod());
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
      m.put("trunk", trunk);
      if (trunkMethod != null) m.put("trunkMethod", trunkMethod);
      if (!constantOutputs.isEmpty()) m.put("constantOutputs", constantOutputs);
      if (standardised) m.put("standardised", true);
      if (objective != null) m.put("objective", objective);
      return m;
    }
  }

  private final Config config;
  private final VitEncoder trunkPos;
  private final VitEncoder trunkNeg;
  private final JitModule[] scripted;     // TorchScript trunks: [pos] shared, [pos, neg] separate; null for a ViT trunk
  private final float[] constantFree;     // [D]: 0 at a constant output, else 1; null when none
  private final float[] constantValue;    // [D]: the constant outputs' values, else 0
  private final List<List<LinearImpl>> mixPos = new ArrayList<>();
  private final List<List<LinearImpl>> mixNeg = new ArrayList<>();
  private final List<List<LayerNormImpl>> normPos = new ArrayList<>();
  private final List<List<LayerNormImpl>> normNeg = new ArrayList<>();

  /** A network with a built-in ViT trunk. */
  public ExplainerNetwork(Config config) {
    this(config, (JitModule[]) null);
  }

  /**
   * A network whose trunk is TorchScript ({@link Config#TORCHSCRIPT}): one module when shared, two
   * (positive, negative) when separate; they stay in eval mode (BatchNorm statistics and dropout as
   * the encoder's), their weights train.
   *
   * @param config the sizes, with trunk "torchscript"
   * @param trunks the trunk modules
   */
  public ExplainerNetwork(Config config, JitModule... trunks) {
    this.config = config;
    boolean vit = config.trunk().equals(Config.VIT);
    int want = config.shape() == Shape.SHARED ? 1 : 2;
    if (!vit && (trunks == null || trunks.length != want)) throw new IllegalArgumentException("a " + config.shape() + " TorchScript trunk needs " + want + " module(s)");
    if (vit && trunks != null) throw new IllegalArgumentException("a ViT trunk is built, not given");
    scripted = vit ? null : trunks.clone();
    if (config.constantOutputs().isEmpty()) {
      constantFree = null;
      constantValue = null;
    } else {
      constantFree = new float[config.dim()];
      constantValue = new float[config.dim()];
      java.util.Arrays.fill(constantFree, 1f);
      for (Map.Entry<Integer, Float> e : config.constantOutputs().entrySet()) {
        constantFree[e.getKey()] = 0f;
        constantValue[e.getKey()] = e.getValue();
      }
    }
    if (scripted != null) for (JitModule m : scripted) m.eval();
    trunkPos = !vit ? null : register_module("trunk", new VitEncoder(config.channels(), config.imageSize(), config.patch(), config.trunkDim(),
        config.trunkLayers(), config.trunkHeads()));
    trunkNeg = !vit ? null : config.shape() == Shape.SHARED ? trunkPos
        : register_module("trunk_neg", new VitEncoder(config.channels(), config.imageSize(), config.patch(), config.trunkDim(),
            config.trunkLayers(), config.trunkHeads()));
    head("pos", mixPos, normPos);
    if (!config.isGame()) head("neg", mixNeg, normNeg);      // a game explainer predicts Phi only
    if (config.standardised()) {
      TensorOptions f = new TensorOptions(torch.ScalarType.Float);
      // Looked up by name when used: register_buffer's returned reference points into a list that later registrations move.
      register_buffer(OUT_MEAN_POS, torch.zeros(new long[] {config.dim()}, f));
      register_buffer(OUT_MEAN_NEG, torch.zeros(new long[] {config.dim()}, f));
      register_buffer(OUT_SCALE, torch.ones(new long[] {config.dim()}, f));
    }
  }

  /**
   * Sets a standardised network's output statistics (before training; loading reads them from the weights).
   *
   * @param meanPos [D] mean of the keep targets
   * @param meanNeg [D] mean of the remove targets
   * @param scale [D] spread per dimension, each &gt; 0
   */
  public void setOutputStatistics(float[] meanPos, float[] meanNeg, float[] scale) {
    if (!config.standardised()) throw new IllegalStateException("the network is not standardised");
    int d = config.dim();
    if (meanPos.length != d || meanNeg.length != d || scale.length != d) throw new IllegalArgumentException("statistics of length " + d + " expected");
    for (float v : scale) if (!(v > 0) || !Float.isFinite(v)) throw new IllegalArgumentException("output scale " + v + ": must be finite and > 0");
    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      buffer(OUT_MEAN_POS).copy_(NativeTensors.copyOf(meanPos, 0, d));
      buffer(OUT_MEAN_NEG).copy_(NativeTensors.copyOf(meanNeg, 0, d));
      buffer(OUT_SCALE).copy_(NativeTensors.copyOf(scale, 0, d));
    }
  }

  /** @return the [D] output scale of a standardised network (the loss divides errors by it), or null */
  public Tensor outputScale() {
    return config.standardised() ? buffer(OUT_SCALE) : null;
  }

  private static final String OUT_MEAN_POS = "out_mean_pos", OUT_MEAN_NEG = "out_mean_neg", OUT_SCALE = "out_scale";

  private Tensor buffer(String name) {
    return named_buffers(false).get(name);
  }

  /** @return the TorchScript trunk modules (positive first), or an empty list for a ViT trunk */
  public List<JitModule> scriptedTrunks() {
    return scripted == null ? List.of() : List.of(scripted);
  }

  /** @return every trainable tensor: the explainer heads', the ViT trunk's or the TorchScript trunks' */
  public TensorVector trainableParameters() {
    TensorVector v = new TensorVector();
    TensorVector own = parameters();
    for (long i = 0; i < own.size(); i++) v.push_back(own.get(i));
    for (JitModule m : scriptedTrunks()) {
      parameter_list ps = m.parameters(true);
      for (parameter_iterator it = ps.begin(); it.notEquals(ps.end()); it = it.increment()) v.push_back(it.access());
    }
    return v;
  }

  /**
   * Writes every weight (heads, trunk) into an archive: the training checkpoint.
   *
   * @param a the archive
   */
  public void saveState(OutputArchive a) {
    OutputArchive own = new OutputArchive();
    save(own);
    a.write("explainer", own);
    for (int i = 0; i < scriptedTrunks().size(); i++) {
      named_parameter_list ps = scripted[i].named_parameters(true);
      for (named_parameter_iterator it = ps.begin(); it.notEquals(ps.end()); it = it.increment()) {
        a.write("trunk" + i + "." + it.access().name().getString(), it.access().value());
      }
    }
  }

  /**
   * Reads what {@link #saveState} wrote into this network's weights.
   *
   * @param a the archive
   */
  public void loadState(InputArchive a) {
    InputArchive own = new InputArchive();
    a.read("explainer", own);
    load(own);
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < scriptedTrunks().size(); i++) {
        named_parameter_list ps = scripted[i].named_parameters(true);
        for (named_parameter_iterator it = ps.begin(); it.notEquals(ps.end()); it = it.increment()) {
          Tensor t = new Tensor();
          a.read("trunk" + i + "." + it.access().name().getString(), t);
          it.access().value().copy_(t);
        }
      }
    }
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

  /** The ViT trunk (one when shared, positive then negative when separate); empty for a TorchScript trunk. */
  public List<VitEncoder> trunks() {
    if (trunkPos == null) return List.of();
    return config.shape() == Shape.SHARED ? List.of(trunkPos) : List.of(trunkPos, trunkNeg);
  }

  /**
   * E+ and E- [B, P, D], with gradients (training). A game explainer ({@link Config#isGame()}) returns
   * Phi [B, P, D] as E+ and zeros as E-: the projection lambda+ (W E+ + b) - lambda- (W E- + b) with
   * lambdas 1 is then W Phi, the bias cancelled. Its Phi is the network's raw prediction; {@link #efficient}
   * makes it sum to e(x) - e(x_empty).
   */
  public Tensor[] forward(Tensor images) {
    if (config.isGame()) {
      Tensor phi = applyHead(patchTokens(0, images), mixPos.get(0), normPos.get(0));
      if (config.standardised()) phi = phi.mul(buffer(OUT_SCALE));       // Phi has no offset to add: a patch's value is 0 on average over players
      phi = constants(phi);
      return new Tensor[] {phi, torch.zeros_like(phi)};
    }
    Tensor hp = patchTokens(0, images);
    Tensor hn = config.shape() == Shape.SHARED ? hp : patchTokens(1, images);
    Tensor pos = applyHead(hp, mixPos.get(0), normPos.get(0)), neg = applyHead(hn, mixNeg.get(0), normNeg.get(0));
    if (config.standardised()) {
      Tensor scale = buffer(OUT_SCALE);
      pos = pos.mul(scale).add(buffer(OUT_MEAN_POS));
      neg = neg.mul(scale).add(buffer(OUT_MEAN_NEG));
    }
    return new Tensor[] {constants(pos), constants(neg)};
  }

  /**
   * The additive efficiency correction: Phi + (gap - sum_p Phi_p) / P at every patch, so the result sums
   * over patches to {@code gap} exactly (for Shapley: gap = e(x) - e(x_empty)). A constant output's gap and
   * Phi are both 0 there, so it stays 0.
   *
   * @param phi [B, P, D]
   * @param gap [B, D]
   * @return the corrected Phi [B, P, D]
   */
  public static Tensor efficient(Tensor phi, Tensor gap) {
    return phi.add(gap.sub(phi.sum(1)).div(new org.bytedeco.pytorch.Scalar((double) phi.size(1))).unsqueeze(1));
  }

  /** E * free + value: the constant outputs take their value (no gradient reaches them); the rest pass. */
  private Tensor constants(Tensor e) {
    if (constantFree == null) return e;
    Tensor free = NativeTensors.copyOf(constantFree, 0, constantFree.length);
    Tensor value = NativeTensors.copyOf(constantValue, 0, constantValue.length);
    return e.mul(free).add(value);
  }

  /** The trunk's patch tokens [B, P, Dt], g * g in row-major grid order. */
  private Tensor patchTokens(int sign, Tensor images) {
    int g = config.grid(), p = g * g;
    if (scripted == null) {
      Tensor t = (sign == 0 ? trunkPos : trunkNeg).tokens(images);
      return t.narrow(1, 1, t.size(1) - 1);                        // drop [CLS]: [B, P, Dt]
    }
    Tensor t = scripted[sign].get_method(config.trunkMethod()).apply(new IValueVector(new IValue(images))).toTensor();
    if (config.trunkMethod().equals("tokens")) return t.size(1) == p + 1 ? t.narrow(1, 1, p) : t;
    long h = t.size(2);                                              // features [B, C', h, h] onto the g x g grid
    if (h > g) t = adaptive_avg_pool2d(t, g, g);
    else if (h < g) t = t.repeat_interleave(g / h, new LongOptional(2), new LongOptional()).repeat_interleave(g / h, new LongOptional(3), new LongOptional());
    return t.flatten(2, 3).transpose(1, 2);
  }

  private Tensor applyHead(Tensor h, List<LinearImpl> lin, List<LayerNormImpl> ln) {
    for (int l = 0; l < config.mixerLayers(); l++) {
      Tensor u = gelu(lin.get(2 * l).forward(ln.get(l).forward(h)));               // mix the hidden dimension
      h = h.add(lin.get(2 * l + 1).forward(u.transpose(1, 2)).transpose(1, 2));    // mix the tokens
    }
    return lin.get(lin.size() - 1).forward(ln.get(ln.size() - 1).forward(h));
  }

  /**
   * E+ and E- [B, P, D] without gradients, as contiguous CPU tensors owned by the caller's
   * {@link PointerScope}: the projection kernel reads them in place ({@code FloatView.of(Tensor)}).
   * Call {@code eval()} first.
   *
   * @param images [B, C, S, S]
   * @return {E+, E-}
   */
  public Tensor[] predictTensors(Tensor images) {
    try (NoGradGuard guard = new NoGradGuard()) {
      Tensor[] e = forward(images);
      return new Tensor[] {e[0].contiguous(), e[1].contiguous()};
    }
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
    if (trunks().isEmpty()) throw new IllegalStateException("a TorchScript trunk starts as a copy of its encoder already");
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
