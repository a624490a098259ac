package dev.tve.explain;

import dev.tve.model.Head;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * TVE behind the {@link PatchExplainer} interface, for comparisons with the classic methods: one
 * explainer pass and one encoder pass per image, every class of the head projected from it (the
 * projection is negligible), the requested class's map kept. {@code raw} picks the signed per-patch
 * attribution; otherwise the normalised, smoothed map {@code tve explain} draws.
 *
 * <pre>{@code
 * PatchExplainer tve = new TvePatchExplainer(explainer, model.head("ten-class"), false);
 * float[][] maps = tve.explain(x, n, targets);
 * }</pre>
 */
public final class TvePatchExplainer implements PatchExplainer {
  private static final TargetSpec ALL = TargetSpec.parse("all");
  private final TveExplainer tve;
  private final Head head;
  private final boolean raw;
  private long images;

  public TvePatchExplainer(TveExplainer tve, Head head, boolean raw) {
    this.tve = tve;
    this.head = head;
    this.raw = raw;
  }

  @Override public String name() { return raw ? "tve-raw" : "tve"; }
  @Override public int grid() { return tve.grid(); }
  /** Two per image: the explainer network's and the encoder's. */
  @Override public long forwardPasses() { return 2 * images; }

  @Override
  public float[][] explain(float[] x, int n, int[] targets) {
    int c = tve.network().config().channels(), s = tve.network().config().imageSize();
    List<Attribution> all;
    try (PointerScope scope = new PointerScope()) {
      all = tve.explain(torch.from_blob(new FloatPointer(x), new long[] {n, c, s, s}, new TensorOptions(torch.ScalarType.Float)),
          List.of(head), ALL);
    }
    images += n;
    float[][] out = new float[n][];
    for (Attribution a : all) if (a.target() == targets[a.image()]) out[a.image()] = raw ? a.raw() : a.map();
    return out;
  }
}
