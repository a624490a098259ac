package dev.tve.explain;

import dev.tve.kernel.FloatView;
import dev.tve.kernel.JavaReferenceKernel;
import dev.tve.kernel.Normalization;
import dev.tve.kernel.ProjectionEngine;
import dev.tve.kernel.ProjectionOptions;
import dev.tve.kernel.ProjectionRequest;
import dev.tve.kernel.ProjectionResult;
import dev.tve.kernel.Targets;
import dev.tve.model.Head;
import dev.tve.model.LinearHead;
import dev.tve.model.TargetModel;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * TVE at inference: one explainer pass gives E+ and E- for a batch; the transfer rule
 * a[p] = lambda+ (W_k E+[p] + b_k) - lambda- (W_k E-[p] + b_k) then explains any head on the
 * encoder, any class, through the fused projection kernel for linear heads and libtorch for
 * non-linear ones (a[p] = lambda+ h_k(E+[p]) - lambda- h_k(E-[p])). Every target form and every
 * head comes from the same explainer pass.
 *
 * <pre>{@code
 * TveExplainer tve = TveExplainer.builder(model, loaded.network(), loaded.card()).build();
 * List<Attribution> maps = tve.explain(images, List.of(model.head("ten-class")), TargetSpec.parse("topk:2"));
 * }</pre>
 *
 * Threads: the model and explainer are read only; one TveExplainer may serve many threads.
 */
public final class TveExplainer {
  private final TargetModel model;
  private final ExplainerNetwork net;
  private final ProjectionEngine engine;
  private final ProjectionOptions options;

  private TveExplainer(Builder b) {
    this.model = b.model;
    this.net = b.net;
    this.engine = b.engine != null ? b.engine : ProjectionEngine.create();
    this.options = ProjectionOptions.builder(b.net.config().grid()).optLambdaPos(b.lambdaPos).optLambdaNeg(b.lambdaNeg)
        .optSmoothRadius(b.smoothRadius).optNormalization(b.normalization).build();
  }

  /** Defaults from the explainer's card: its lambdas, smoothing radius = mask radius, reference normalisation. */
  public static Builder builder(TargetModel model, ExplainerNetwork net, ExplainerCard card) {
    return new Builder(model, net, card);
  }

  public ProjectionOptions options() { return options; }
  public ExplainerNetwork network() { return net; }
  /** The projection kernel's name (back end and ISA), for provenance. */
  public String kernelName() { return engine.kernel().name(); }
  public TargetModel model() { return model; }
  public int grid() { return options.grid(); }

  /**
   * Explains a batch: images [B, C, S, S] (float32, preprocessed as the model's card says).
   *
   * @return for each image, each head (in order) and each target: one attribution
   */
  public List<Attribution> explain(Tensor images, List<? extends Head> heads, TargetSpec spec) {
    ExplainerNetwork.Config cfg = net.config();
    long[] shape = images.sizes().vec().get();
    if (shape.length != 4 || shape[1] != cfg.channels() || shape[2] != cfg.imageSize() || shape[3] != cfg.imageSize()) {
      throw new IllegalArgumentException("images " + java.util.Arrays.toString(shape) + ": the explainer takes [B, " + cfg.channels() + ", "
          + cfg.imageSize() + ", " + cfg.imageSize() + "]");
    }
    for (Head h : heads) spec.check(h.classes(), h.name());
    int b = (int) shape[0], p = cfg.grid() * cfg.grid(), d = cfg.dim();
    float[] emb = model.encoder().embed(images);
    float[] pos = new float[b * p * d], neg = new float[b * p * d];
    net.predict(images, pos, neg);
    List<Attribution> out = new ArrayList<>();
    List<List<Attribution>> perHead = new ArrayList<>();
    for (Head h : heads) perHead.add(explainHead(h, spec, emb, pos, neg, b));
    // Order: image, then head, then target.
    for (int i = 0; i < b; i++) {
      for (List<Attribution> list : perHead) {
        for (Attribution a : list) if (a.image() == i) out.add(a);
      }
    }
    return out;
  }

  private List<Attribution> explainHead(Head head, TargetSpec spec, float[] emb, float[] pos, float[] neg, int b) {
    int c = head.classes(), k = spec.count(c), g = options.grid(), p = g * g;
    int[] rows = new int[b * k], foils = new int[b * k];
    float[][] probs = new float[b][];
    int[] predicted = new int[b];
    for (int i = 0; i < b; i++) {
      float[] logits = head.logits(emb, i);
      probs[i] = Head.softmax(logits);
      predicted[i] = TargetSpec.order(logits).get(0);
      int[][] kf = spec.resolve(logits);
      System.arraycopy(kf[0], 0, rows, i * k, k);
      System.arraycopy(kf[1], 0, foils, i * k, k);
    }
    boolean contrastive = spec.kind() == TargetSpec.Kind.CONTRASTIVE;
    float[] raw, map;
    if (head instanceof LinearHead lin) {
      Targets targets = contrastive ? Targets.contrastive(k, rows, foils) : Targets.perImage(k, rows);
      ProjectionResult r = engine.project(ProjectionRequest.builder(FloatView.of(pos), FloatView.of(neg), b, lin.weights(), targets, options).build());
      raw = r.raw();
      map = r.map();
    } else {
      raw = nonLinear(head, pos, neg, b, k, rows, foils);
      map = new float[raw.length];
      for (int m = 0; m < b * k; m++) {
        float[] one = java.util.Arrays.copyOfRange(raw, m * p, (m + 1) * p);
        System.arraycopy(JavaReferenceKernel.postprocess(one, options), 0, map, m * p, p);
      }
    }
    List<String> names = head.classNames();
    List<Attribution> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      int pred = predicted[i];
      for (int t = 0; t < k; t++) {
        int m = i * k + t, cls = rows[m];
        out.add(new Attribution(i, head.name(), cls, names.get(cls), foils[m], pred, names.get(pred), probs[i][pred], probs[i][cls], g,
            java.util.Arrays.copyOfRange(raw, m * p, (m + 1) * p), java.util.Arrays.copyOfRange(map, m * p, (m + 1) * p)));
      }
    }
    return out;
  }

  /** a[p] = lambda+ h(E+[p]) - lambda- h(E-[p]) for class k (minus foil j), through libtorch. */
  private float[] nonLinear(Head head, float[] pos, float[] neg, int b, int k, int[] rows, int[] foils) {
    int p = options.patches(), d = net.config().dim(), c = head.classes();
    float[] lp = new float[b * p * c], ln = new float[b * p * c];
    try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
      TensorOptions f = new TensorOptions(torch.ScalarType.Float);
      head.forward(torch.from_blob(new FloatPointer(pos), new long[] {(long) b * p, d}, f)).contiguous().data_ptr_float().get(lp);
      head.forward(torch.from_blob(new FloatPointer(neg), new long[] {(long) b * p, d}, f)).contiguous().data_ptr_float().get(ln);
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

  /** Builder of {@link TveExplainer}. */
  public static final class Builder {
    private final TargetModel model;
    private final ExplainerNetwork net;
    private ProjectionEngine engine;
    private float lambdaPos;
    private float lambdaNeg;
    private int smoothRadius;
    private Normalization normalization = Normalization.REFERENCE;

    private Builder(TargetModel model, ExplainerNetwork net, ExplainerCard card) {
      if (net.config().dim() != model.encoder().dim()) {
        throw new IllegalArgumentException("explainer predicts D=" + net.config().dim() + ", the encoder gives D=" + model.encoder().dim());
      }
      this.model = model;
      this.net = net;
      this.lambdaPos = (float) card.lambdaPos();
      this.lambdaNeg = (float) card.lambdaNeg();
      this.smoothRadius = card.radius();
    }

    /** The projection kernel (default: {@link ProjectionEngine#create()}, the best back end here). */
    public Builder optEngine(ProjectionEngine v) { engine = v; return this; }
    public Builder optLambdas(float pos, float neg) { lambdaPos = pos; lambdaNeg = neg; return this; }
    /** Box smoothing radius on the grid (default: the mask radius, as the reference). */
    public Builder optSmoothRadius(int v) { smoothRadius = v; return this; }
    public Builder optNormalization(Normalization v) { normalization = v; return this; }

    public TveExplainer build() {
      return new TveExplainer(this);
    }
  }
}
