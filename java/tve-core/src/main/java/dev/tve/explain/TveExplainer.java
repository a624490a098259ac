package dev.tve.explain;

import dev.tve.kernel.FloatView;
import dev.tve.kernel.JavaReferenceKernel;
import dev.tve.kernel.Normalization;
import dev.tve.kernel.ProjectionEngine;
import dev.tve.kernel.ProjectionOptions;
import dev.tve.kernel.ProjectionRequest;
import dev.tve.kernel.ProjectionResult;
import dev.tve.kernel.Targets;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import dev.tve.model.LinearHead;
import dev.tve.model.TargetModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * TVE at inference: one explainer pass gives E+ and E- for a batch; the transfer rule
 * a[p] = lambda+ (W_k E+[p] + b_k) - lambda- (W_k E-[p] + b_k) then explains any head on the
 * encoder, any class, through the fused projection kernel for linear heads and libtorch for
 * non-linear ones (a[p] = lambda+ h_k(E+[p]) - lambda- h_k(E-[p])). Every target form and every
 * head comes from the same explainer pass ({@link #explain}); {@link #attribute} projects only the
 * requested class of each image. Explaining the probability instead of the logit applies the
 * non-linear rule with h = softmax of the head.
 *
 * <pre>{@code
 * TveExplainer tve = TveExplainer.builder(model, loaded.network(), loaded.card()).build();
 * List<Attribution> maps = tve.explain(Images.of(x, n, 1, 56), List.of(model.head("ten-class")), TargetSpec.parse("topk:2"));
 * }</pre>
 *
 * Threads: the model and explainer are read only and the pass count is atomic; one TveExplainer may
 * serve many threads.
 */
public final class TveExplainer implements Explainer {
  private final TargetModel model;
  private final ExplainerNetwork net;
  private final ProjectionEngine engine;
  private final ProjectionOptions options;
  private final ExplainedOutput output;
  private final boolean displayMaps;
  private final ExplainerCard.Game game;          // a Shapley or Banzhaf explainer's game; null for the window objective
  private final float[] emptyEmbedding;
  private final LongAdder images = new LongAdder();

  /** Points on the line from e(x_empty) to e(x) where a non-linear head's gradient is averaged (midpoint rule). */
  static final int PATH_POINTS = 16;

  private TveExplainer(Builder b) {
    this.game = b.game;
    this.emptyEmbedding = b.game == null ? null : b.game.emptyEmbedding();
    this.model = b.model;
    this.net = b.net;
    this.engine = b.engine != null ? b.engine : ProjectionEngine.create();
    this.options = ProjectionOptions.builder(b.net.config().grid()).optLambdaPos(b.lambdaPos).optLambdaNeg(b.lambdaNeg)
        .optSmoothRadius(b.smoothRadius).optNormalization(b.normalization).build();
    this.output = b.output;
    this.displayMaps = b.displayMaps;
  }

  /**
   * Defaults from the explainer's card: its lambdas, smoothing radius = mask radius, reference normalisation.
   *
   * @param model the model explained (its encoder is the one the explainer was pre-trained against)
   * @param net the explainer network, in eval mode
   * @param card its card
   * @return a builder
   */
  public static Builder builder(TargetModel model, ExplainerNetwork net, ExplainerCard card) {
    return new Builder(model, net, card);
  }

  /** @return the projection's options */
  public ProjectionOptions options() { return options; }
  /** @return the explainer network */
  public ExplainerNetwork network() { return net; }
  /** @return the projection kernel's name (back end and ISA), for provenance */
  public String kernelName() { return engine.kernel().name(); }
  /** @return the model explained */
  public TargetModel model() { return model; }

  @Override public String name() { return displayMaps ? "tve-display" : "tve"; }
  @Override public int grid() { return options.grid(); }
  @Override public ExplainedOutput output() { return output; }
  @Override public Encoder encoder() { return model.encoder(); }
  /** Two per image: the explainer network's and the encoder's. */
  @Override public long forwardPasses() { return 2 * images.sum(); }

  @Override
  public Map<String, Object> parameters() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("output", output.name().toLowerCase(Locale.ROOT));
    p.put("lambdaPos", options.lambdaPos());
    p.put("lambdaNeg", options.lambdaNeg());
    p.put("smoothRadius", options.smoothRadius());
    p.put("normalization", options.normalization().name().toLowerCase(Locale.ROOT));
    p.put("kernel", kernelName());
    if (game != null) {
      p.put("objective", game.objective());
      p.put("efficiency", game.efficiency());
    }
    return p;
  }

  @Override
  public float[][] attribute(Images batch, Head head, int[] targets, int[] foils) {
    int b = batch.n(), g = grid(), p = g * g;
    int[] f = new int[b];
    java.util.Arrays.fill(f, -1);
    if (foils != null) System.arraycopy(foils, 0, f, 0, b);
    float[][] m;
    try (PointerScope scope = new PointerScope()) {
      Tensor x = tensor(batch);
      float[] emb = game != null ? model.encoder().embed(x) : null;
      Tensor[] e = predict(x, emb, b);
      images.add(b);
      m = project(head, e[0], e[1], b, 1, targets.clone(), f, foils != null, emb);
    }
    float[] flat = displayMaps ? m[1] : m[0];
    float[][] out = new float[b][];
    for (int i = 0; i < b; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * p, (i + 1) * p);
    return out;
  }

  @Override
  public List<Attribution> explain(Images batch, List<? extends Head> heads, TargetSpec spec) {
    try (PointerScope scope = new PointerScope()) {
      return explain(tensor(batch), heads, spec);
    }
  }

  /**
   * Explains a batch held as a tensor: images [B, C, S, S] (float32, CPU, preprocessed as the model's card says).
   *
   * @param batch the images
   * @param heads the heads to explain, in order
   * @param spec which targets
   * @return for each image, each head (in order) and each target: one attribution
   */
  public List<Attribution> explain(Tensor batch, List<? extends Head> heads, TargetSpec spec) {
    ExplainerNetwork.Config cfg = net.config();
    long[] shape = batch.sizes().vec().get();
    if (shape.length != 4 || shape[1] != cfg.channels() || shape[2] != cfg.imageSize() || shape[3] != cfg.imageSize()) {
      throw new IllegalArgumentException("images " + java.util.Arrays.toString(shape) + ": the explainer takes [B, " + cfg.channels() + ", "
          + cfg.imageSize() + ", " + cfg.imageSize() + "]");
    }
    for (Head h : heads) spec.check(h.classes(), h.name());
    int b = (int) shape[0], p = cfg.grid() * cfg.grid(), g = cfg.grid();
    float[] emb = model.encoder().embed(batch);
    List<List<Attribution>> perHead = new ArrayList<>();
    // E+ and E- stay tensors: the kernel reads them where libtorch wrote them; freed when this scope closes.
    try (PointerScope scope = new PointerScope()) {
      Tensor[] e = predict(batch, emb, b);
      images.add(b);
      boolean contrastive = spec.kind() == TargetSpec.Kind.CONTRASTIVE;
      List<TargetResolution.Resolved> resolved = new ArrayList<>();
      for (Head h : heads) resolved.add(TargetResolution.resolve(h, spec, emb, b));
      float[][][] stacked = stackedLinear(heads, resolved, e, b, contrastive);
      for (int hi = 0; hi < heads.size(); hi++) {
        Head h = heads.get(hi);
        TargetResolution.Resolved r = resolved.get(hi);
        float[][] m = stacked[hi] != null ? stacked[hi] : project(h, e[0], e[1], b, r.k(), r.rows(), r.foils(), contrastive, emb);
        List<Attribution> list = new ArrayList<>();
        for (int i = 0; i < b; i++) {
          for (int t = 0; t < r.k(); t++) {
            int at = (i * r.k() + t) * p;
            list.add(r.attribution(i, t, h, g, java.util.Arrays.copyOfRange(m[0], at, at + p), java.util.Arrays.copyOfRange(m[1], at, at + p)));
          }
        }
        perHead.add(list);
      }
    }
    return TargetResolution.interleave(perHead, b);
  }

  /**
   * The linear heads explaining the logit, all in one kernel call over their stacked weights
   * ({@link dev.tve.kernel.HeadStack}): one pass over E+ and E- for every head. Per head its raw and
   * display maps [b, k, g, g], in the layout {@link #project} gives; null for the other heads, and for
   * all when fewer than two heads qualify.
   */
  private float[][][] stackedLinear(List<? extends Head> heads, List<TargetResolution.Resolved> resolved, Tensor[] e, int b, boolean contrastive) {
    float[][][] out = new float[heads.size()][][];
    List<Integer> linear = new ArrayList<>();
    for (int hi = 0; hi < heads.size(); hi++) if (heads.get(hi) instanceof LinearHead && output == ExplainedOutput.LOGIT) linear.add(hi);
    if (linear.size() < 2) return out;
    List<dev.tve.kernel.HeadWeights> weights = new ArrayList<>();
    int[] offset = new int[linear.size()];
    int total = 0;
    for (int j = 0; j < linear.size(); j++) {
      weights.add(((LinearHead) heads.get(linear.get(j))).weights());
      offset[j] = total;
      total += resolved.get(linear.get(j)).k();
    }
    dev.tve.kernel.HeadStack stack = dev.tve.kernel.HeadStack.of(weights);
    int[] rows = new int[b * total], foils = new int[b * total];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < linear.size(); j++) {
        TargetResolution.Resolved r = resolved.get(linear.get(j));
        for (int t = 0; t < r.k(); t++) {
          int at = i * total + offset[j] + t, f = r.foils()[i * r.k() + t];
          rows[at] = stack.row(j, r.rows()[i * r.k() + t]);
          foils[at] = f >= 0 ? stack.row(j, f) : -1;
        }
      }
    }
    Targets targets = contrastive ? Targets.contrastive(total, rows, foils) : Targets.perImage(total, rows);
    ProjectionResult pr = engine.project(ProjectionRequest.builder(FloatView.of(e[0]), FloatView.of(e[1]), b, stack.stacked(), targets, options).build());
    int p = options.patches();
    for (int j = 0; j < linear.size(); j++) {
      int k = resolved.get(linear.get(j)).k();
      float[] raw = new float[b * k * p], map = new float[b * k * p];
      for (int i = 0; i < b; i++) {
        System.arraycopy(pr.raw(), (i * total + offset[j]) * p, raw, i * k * p, k * p);
        System.arraycopy(pr.map(), (i * total + offset[j]) * p, map, i * k * p, k * p);
      }
      out[linear.get(j)] = new float[][] {raw, map};
    }
    return out;
  }

  private Tensor tensor(Images batch) {
    ExplainerNetwork.Config cfg = net.config();
    if (batch.channels() != cfg.channels() || batch.size() != cfg.imageSize()) {
      throw new IllegalArgumentException("images are " + batch.channels() + " x " + batch.size() + "; the explainer takes " + cfg.channels() + " x "
          + cfg.imageSize());
    }
    return batch.tensor();  // a native batch (the CLI's decoded batches) without a copy
  }

  /**
   * E+ and E- of a batch; for a Shapley explainer Phi (efficiency-corrected with the batch's embeddings
   * {@code emb}) and zeros, so the projection gives w_k . Phi with the bias cancelled.
   */
  private Tensor[] predict(Tensor x, float[] emb, int b) {
    Tensor[] e = net.predictTensors(x);
    if (game == null || !game.efficiency()) return e;
    int d = net.config().dim();
    float[] gap = new float[b * d];
    for (int i = 0; i < b; i++) for (int k = 0; k < d; k++) gap[i * d + k] = emb[i * d + k] - emptyEmbedding[k];
    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
      return new Tensor[] {ExplainerNetwork.efficient(e[0], dev.tve.image.NativeTensors.copyOf(gap, 0, b, d)).contiguous(), e[1]};
    }
  }

  /** Raw [0] and display [1] maps [b, k, g, g] of rows (minus foils) of one head. */
  private float[][] project(Head head, Tensor pos, Tensor neg, int b, int k, int[] rows, int[] foils, boolean contrastive, float[] emb) {
    int p = options.patches();
    if (head instanceof LinearHead lin && output == ExplainedOutput.LOGIT) {
      Targets targets = contrastive ? Targets.contrastive(k, rows, foils) : Targets.perImage(k, rows);
      ProjectionResult r = engine.project(ProjectionRequest.builder(FloatView.of(pos), FloatView.of(neg), b, lin.weights(), targets, options).build());
      return new float[][] {r.raw(), r.map()};
    }
    float[] raw = game != null ? gameNonLinear(head, pos, emb, b, k, rows, foils) : nonLinear(head, pos, neg, b, k, rows, foils);
    float[] map = new float[raw.length];
    for (int m = 0; m < b * k; m++) {
      float[] one = java.util.Arrays.copyOfRange(raw, m * p, (m + 1) * p);
      System.arraycopy(JavaReferenceKernel.postprocess(one, options), 0, map, m * p, p);
    }
    return new float[][] {raw, map};
  }

  /** a[p] = lambda+ h(E+[p]) - lambda- h(E-[p]) for class k (minus foil j), through libtorch; h is softmax(head) for the probability. */
  private float[] nonLinear(Head head, Tensor pos, Tensor neg, int b, int k, int[] rows, int[] foils) {
    int p = options.patches(), d = net.config().dim(), c = head.classes();
    float[] lp = new float[b * p * c], ln = new float[b * p * c];
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      Tensor hp = head.forward(pos.reshape((long) b * p, d));
      Tensor hn = head.forward(neg.reshape((long) b * p, d));
      if (output == ExplainedOutput.PROBABILITY) {
        hp = hp.softmax(1);
        hn = hn.softmax(1);
      }
      hp.contiguous().data_ptr_float().get(lp);
      hn.contiguous().data_ptr_float().get(ln);
    }
    float lpos = options.lambdaPos(), lneg = options.lambdaNeg();
    float[] raw = new float[b * k * p];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < k; t++) {
        int cls = rows[i * k + t], foil = foils[i * k + t];
        for (int q = 0; q < p; q++) {
          int base = (i * p + q) * c;
          double hp = lp[base + cls] - (foil >= 0 ? lp[base + foil] : 0), hn = ln[base + cls] - (foil >= 0 ? ln[base + foil] : 0);
          raw[(i * k + t) * p + q] = (float) (lpos * hp - lneg * hn);
        }
      }
    }
    return raw;
  }

  /**
   * A game explainer's map for a non-linear output (an MLP head, or the probability): a[p] = Phi_p . g,
   * g the gradient of the head's class k (minus foil j) averaged over {@value #PATH_POINTS} points of the
   * line from e(x_empty) to e(x). Since sum_p Phi_p = e(x) - e(x_empty), the map sums to
   * h(e(x)) - h(e(x_empty)) up to the quadrature, as the Shapley values would; for a linear head it is
   * w_k . Phi exactly. Gradients of the head alone (no convolution), taken with torch::autograd::grad.
   */
  private float[] gameNonLinear(Head head, Tensor phi, float[] emb, int b, int k, int[] rows, int[] foils) {
    int p = options.patches(), d = net.config().dim(), c = head.classes(), m = PATH_POINTS;
    float[] points = new float[b * m * d];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < m; t++) {
        double a = (t + 0.5) / m;
        for (int q = 0; q < d; q++) points[(i * m + t) * d + q] = (float) (emptyEmbedding[q] + a * (emb[i * d + q] - emptyEmbedding[q]));
      }
    }
    float[] raw = new float[b * k * p];
    float[] one = new float[b * p];
    try (PointerScope scope = new PointerScope(); org.bytedeco.pytorch.AutoGradMode on = new org.bytedeco.pytorch.AutoGradMode(true)) {
      for (int t = 0; t < k; t++) {
        Tensor z = dev.tve.image.NativeTensors.copyOf(points, 0, (long) b * m, d);
        z.requires_grad_(true);
        Tensor h = head.forward(z);
        if (output == ExplainedOutput.PROBABILITY) h = h.softmax(1);
        float[] pick = new float[b * m * c];
        for (int i = 0; i < b; i++) {
          int cls = rows[i * k + t], foil = foils[i * k + t];
          for (int j = 0; j < m; j++) {
            pick[(i * m + j) * c + cls] += 1f / m;
            if (foil >= 0) pick[(i * m + j) * c + foil] -= 1f / m;
          }
        }
        Tensor s = h.mul(dev.tve.image.NativeTensors.copyOf(pick, 0, (long) b * m, c)).sum();
        Tensor g = org.bytedeco.pytorch.global.torch.grad(new org.bytedeco.pytorch.TensorVector(s), new org.bytedeco.pytorch.TensorVector(z)).get(0);
        Tensor mean = g.reshape(b, m, d).sum(1).unsqueeze(2);                    // [b, D, 1]: the averaged gradient
        phi.detach().bmm(mean).contiguous().data_ptr_float().get(one);            // [b, P, 1]
        for (int i = 0; i < b; i++) System.arraycopy(one, i * p, raw, (i * k + t) * p, p);
      }
    }
    return raw;
  }

  /** Builder of {@link TveExplainer}. */
  public static final class Builder {
    private final TargetModel model;
    private final ExplainerNetwork net;
    private ProjectionEngine engine;
    private float lambdaPos;
    private float lambdaNeg;
    private int smoothRadius;
    private Normalization normalization = Normalization.REFERENCE;
    private ExplainedOutput output = ExplainedOutput.LOGIT;
    private boolean displayMaps;
    private final ExplainerCard.Game game;

    private Builder(TargetModel model, ExplainerNetwork net, ExplainerCard card) {
      if (net.config().dim() != model.encoder().dim()) {
        throw new IllegalArgumentException("explainer predicts D=" + net.config().dim() + ", the encoder gives D=" + model.encoder().dim());
      }
      if (net.config().isGame() != (card.game() != null)) throw new IllegalArgumentException("the explainer's network and card disagree on its objective");
      int modelGrid = model.input().grid();
      if (card.game() != null && modelGrid > 0 && card.game().grid() != modelGrid) {
        throw new IllegalArgumentException("this " + card.game().objective() + " explainer's players are the patches of a " + card.game().grid() + "x"
            + card.game().grid() + " grid; the model's maps are " + modelGrid + "x" + modelGrid);
      }
      this.game = card.game();
      this.model = model;
      this.net = net;
      this.lambdaPos = (float) card.lambdaPos();
      this.lambdaNeg = (float) card.lambdaNeg();
      this.smoothRadius = card.radius();
    }

    /** @param v the projection kernel (default: {@link ProjectionEngine#create()}, the best back end here) @return this */
    public Builder optEngine(ProjectionEngine v) { engine = v; return this; }
    /** @param pos lambda+ @param neg lambda- @return this */
    public Builder optLambdas(float pos, float neg) {
      if (game != null && (pos != 1 || neg != 1)) {
        throw new IllegalArgumentException("a " + game.objective() + " explainer's map is w . Phi; lambda+ and lambda- stay 1 (asked " + pos + ", " + neg + ")");
      }
      lambdaPos = pos;
      lambdaNeg = neg;
      return this;
    }
    /** @param v box smoothing radius on the grid (default: the mask radius, as the reference) @return this */
    public Builder optSmoothRadius(int v) { smoothRadius = v; return this; }
    /** @param v the display map's normalisation (default the reference chain) @return this */
    public Builder optNormalization(Normalization v) { normalization = v; return this; }
    /** @param v the explained output (default the logit) @return this */
    public Builder optOutput(ExplainedOutput v) { output = v; return this; }
    /** @param v {@link #attribute} returns the smoothed, normalised display map instead of the raw one ("tve-display") @return this */
    public Builder optDisplayMaps(boolean v) { displayMaps = v; return this; }

    /** @return the explainer */
    public TveExplainer build() {
      return new TveExplainer(this);
    }
  }
}
