package dev.tve.explain;

import dev.tve.kernel.JavaReferenceKernel;
import dev.tve.kernel.Normalization;
import dev.tve.kernel.ProjectionOptions;
import dev.tve.model.Encoder;
import dev.tve.model.ExplainedOutput;
import dev.tve.model.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one contract every attribution method implements: TVE and the classic methods (Saliency,
 * Integrated Gradients, Grad-CAM, Occlusion, RISE, KernelSHAP) and the random and intensity floors.
 * An explainer is bound to a model's encoder and explains any head on it. Every method explains the
 * same output, chosen by one option ({@link ExplainedOutput}: the target's logit by default, or its
 * probability), and maps do not depend on batch size, batch composition or thread count beyond float
 * rounding: seeded draws are keyed per image ({@link Images#keys()}), never per batch.
 *
 * <p>Maps are g x g, row-major (rows top to bottom), signed, larger = more evidence for the target
 * (against the foil, when one is given). {@link #explain} adds every target form ({@link TargetSpec}:
 * predicted, a class, top-k, all, contrastive) and several heads on top of {@link #attribute}; TVE
 * serves them all from one explainer pass.
 *
 * <pre>{@code
 * Explainer occ = Methods.create("occlusion", MethodContext.of(model));
 * float[][] maps = occ.attribute(Images.of(x, n, 1, 56), model.head("ten-class"), targets, null);
 * List<Attribution> all = occ.explain(Images.of(x, n, 1, 56), List.of(model.head("ten-class")), TargetSpec.parse("topk:2"));
 * }</pre>
 *
 * Threads: implementations say; those of this project may be shared between threads (pass counters
 * are atomic).
 */
public interface Explainer {
  /** @return the method's registry name ({@link Methods}) */
  String name();

  /** @return side g of the maps */
  int grid();

  /** @return the model output the maps explain */
  ExplainedOutput output();

  /** @return the encoder of the model explained */
  Encoder encoder();

  /**
   * @param images the batch
   * @param head the head whose output is explained
   * @param targets the class to explain for each image
   * @param foils the class to explain against for each image (-1: none), or null for none
   * @return one signed g x g map per image
   */
  float[][] attribute(Images images, Head head, int[] targets, int[] foils);

  /** @return model forward passes spent so far (perturbed images, path points, explainer passes) */
  long forwardPasses();

  /** @return backward passes spent so far (gradient methods; 0 for the others) */
  default long backwardPasses() {
    return 0;
  }

  /**
   * @return whether the method runs backward passes (then a caller that shares a process with other
   *     forward work holds a {@link dev.tve.runtime.ThreadPolicy#backwardScope()} around its calls, as {@code Tve} does)
   */
  default boolean usesGradients() {
    return false;
  }

  /** @return the method's parameters, for provenance (budgets, baselines, seed, output) */
  Map<String, Object> parameters();

  /**
   * Every requested target of every head for a batch: the heads' logits come from one encoder pass,
   * targets are resolved from them, and each target slot is one {@link #attribute} call. The display
   * map is the raw map min-max normalised (with an epsilon: a constant map gives zeros).
   *
   * @param images the batch
   * @param heads the heads to explain, in order
   * @param spec which targets
   * @return for each image, each head (in order) and each target: one attribution
   */
  default List<Attribution> explain(Images images, List<? extends Head> heads, TargetSpec spec) {
    int b = images.n(), g = grid(), p = g * g;
    float[] emb = TargetResolution.embed(encoder(), images);
    List<List<Attribution>> perHead = new ArrayList<>();
    ProjectionOptions display = ProjectionOptions.builder(g).optNormalization(Normalization.MINMAX).build();
    for (Head h : heads) {
      spec.check(h.classes(), h.name());
      TargetResolution.Resolved r = TargetResolution.resolve(h, spec, emb, b);
      int k = r.k();
      float[][][] maps = new float[k][][];
      for (int t = 0; t < k; t++) {
        int[] tt = new int[b], ff = new int[b];
        for (int i = 0; i < b; i++) {
          tt[i] = r.rows()[i * k + t];
          ff[i] = r.foils()[i * k + t];
        }
        maps[t] = attribute(images, h, tt, spec.kind() == TargetSpec.Kind.CONTRASTIVE ? ff : null);
      }
      List<Attribution> list = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        for (int t = 0; t < k; t++) {
          float[] raw = maps[t][i];
          if (raw.length != p) throw new IllegalStateException(name() + " gave a map of " + raw.length + " cells for a " + g + " x " + g + " grid");
          list.add(r.attribution(i, t, h, g, raw, JavaReferenceKernel.postprocess(raw, display)));
        }
      }
      perHead.add(list);
    }
    return TargetResolution.interleave(perHead, b);
  }
}
