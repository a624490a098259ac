package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.gelu;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.zeros;

import java.util.Map;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.TransformerEncoderImpl;
import org.bytedeco.pytorch.TransformerEncoderLayerOptions;
import org.bytedeco.pytorch.TransformerEncoderOptions;

/**
 * A small vision transformer: a 3 x 3 convolutional stem (cluttered scenes train slowly with a
 * plain patch embedding on 2 cores), a patch embedding of stride p giving a g x g token grid, a
 * [CLS] token, learned positions, a post-norm transformer encoder, and the normalised [CLS] state
 * as the embedding.
 *
 * <pre>{@code
 * VitEncoder vit = new VitEncoder(1, 56, 8, 128, 4, 4);   // 7 x 7 grid, D = 128
 * vit.eval();
 * float[] emb = vit.embed(images);                         // [B * 128]
 * }</pre>
 */
public final class VitEncoder extends EncoderModule {
  private final int patch;
  private final Tensor stemW;
  private final Tensor stemB;
  private final Tensor patchW;
  private final Tensor patchB;
  private final Tensor cls;
  private final Tensor pos;
  private final TransformerEncoderImpl encoder;
  private final LayerNormImpl norm;

  /**
   * @param channels image channels (1 gray, 3 RGB)
   * @param imageSize square input side; must be a multiple of {@code patch}
   */
  public VitEncoder(int channels, int imageSize, int patch, int dim, int layers, int heads) {
    super(architecture(channels, imageSize, patch, dim, layers, heads));
    int grid = imageSize / patch, stem = STEM;
    this.patch = patch;
    stemW = param("stem_w", randn(stem, channels, 3, 3).mul_(new Scalar((float) Math.sqrt(2.0 / (9 * channels)))));
    stemB = param("stem_b", zeros(stem));
    patchW = param("patch_w", randn(dim, stem, patch, patch).mul_(new Scalar((float) Math.sqrt(1.0 / (stem * patch * patch)))));
    patchB = param("patch_b", zeros(dim));
    cls = param("cls", zeros(1, 1, dim));
    pos = param("pos", randn(grid * grid + 1, 1, dim).mul_(new Scalar(0.02f)));
    TransformerEncoderLayerOptions layer = new TransformerEncoderLayerOptions(dim, heads);
    layer.dim_feedforward().put(2L * dim);
    layer.dropout().put(0.0);
    encoder = register_module("encoder", new TransformerEncoderImpl(new TransformerEncoderOptions(layer, layers)));
    LongVector shape = new LongVector(1);
    shape.put(0, dim);
    norm = register_module("norm", new LayerNormImpl(shape));
  }

  private static final int STEM = 32;

  private static Architecture architecture(int channels, int imageSize, int patch, int dim, int layers, int heads) {
    if (imageSize % patch != 0) throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of patch " + patch);
    if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
    return new Architecture("vit", channels, imageSize, dim,
        Map.of("patch", patch, "grid", imageSize / patch, "layers", layers, "heads", heads, "stem", STEM));
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = gelu(conv(x, stemW, stemB, 1, 1));
    h = conv(h, patchW, patchB, patch, 0);                         // [B, D, g, g]
    long b = h.size(0);
    h = h.flatten(2, 3).permute(2, 0, 1);                          // [P, B, D]: TransformerEncoder is (S, N, E)
    h = cat(new TensorVector(cls.expand(1, b, dim()), h), 0).add(pos);
    h = encoder.forward(h);
    return norm.forward(h.select(0, 0));                           // the [CLS] state
  }
}
