package dev.tve.explain;

import dev.tve.model.Encoder;
import dev.tve.model.Head;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;

/** Shared plumbing of {@link Explainer#explain}: embeddings, target resolution, ordering. */
final class TargetResolution {
  private TargetResolution() {}

  /** Targets of one head for a batch: k per image, their foils, predictions and probabilities. */
  record Resolved(int k, int[] rows, int[] foils, int[] predicted, float[][] probs, List<String> names) {
    Attribution attribution(int i, int t, Head h, int g, float[] raw, float[] map) {
      int m = i * k + t, cls = rows[m], pred = predicted[i];
      return new Attribution(i, h.name(), cls, names.get(cls), foils[m], pred, names.get(pred), probs[i][pred], probs[i][cls], g, raw, map);
    }
  }

  static float[] embed(Encoder encoder, Images images) {
    try (PointerScope scope = new PointerScope()) {
      return encoder.embed(images.tensor());
    }
  }

  static Resolved resolve(Head head, TargetSpec spec, float[] emb, int b) {
    int k = spec.count(head.classes());
    int[] rows = new int[b * k], foils = new int[b * k], predicted = new int[b];
    float[][] probs = new float[b][];
    for (int i = 0; i < b; i++) {
      float[] logits = head.logits(emb, i);
      probs[i] = Head.softmax(logits);
      predicted[i] = TargetSpec.order(logits).get(0);
      int[][] kf = spec.resolve(logits);
      System.arraycopy(kf[0], 0, rows, i * k, k);
      System.arraycopy(kf[1], 0, foils, i * k, k);
    }
    return new Resolved(k, rows, foils, predicted, probs, head.classNames());
  }

  /** Order: image, then head, then target. */
  static List<Attribution> interleave(List<List<Attribution>> perHead, int b) {
    List<Attribution> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      for (List<Attribution> list : perHead) {
        for (Attribution a : list) if (a.image() == i) out.add(a);
      }
    }
    return out;
  }

}
