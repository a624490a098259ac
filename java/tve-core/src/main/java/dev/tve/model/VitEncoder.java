package dev.tve.model;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.gelu;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.scaled_dot_product_attention;
import static org.bytedeco.pytorch.global.torch.zeros;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A small vision transformer with a convolutional stem ("early convolutions", Xiao et al. 2021:
 * on cluttered scenes a plain patch embedding learns slowly on 2 cores): 3 x 3 convolutions with
 * batch norm and GELU, stride 2 while the patch allows (at most twice), then a patch embedding of
 * the remaining stride giving a g x g token grid; a [CLS] token, learned positions, pre-norm
 * transformer blocks (attention, then a GELU MLP of width 2D), a final LayerNorm. The embedding is
 * the [CLS] state; {@link #tokens} gives every state, which the TVE explainer uses.
 *
 * <pre>{@code
 * VitEncoder vit = new VitEncoder(1, 56, 8, 128, 4, 4);   // 7 x 7 grid, D = 128
 * vit.eval();
 * float[] emb = vit.embed(images);                         // [B * 128]
 * }</pre>
 */
public final class VitEncoder extends EncoderModule {
  private static final int STEM = 16;

  private final int patch;
  private final int heads;
  private final int reduce;
  private final List<Tensor> stemW = new ArrayList<>();
  private final List<BatchNorm2dImpl> stemNorm = new ArrayList<>();
  private final Tensor patchW;
  private final Tensor patchB;
  private final Tensor cls;
  private final Tensor pos;
  private final List<Block> blocks = new ArrayList<>();
  private final LayerNormImpl norm;

  /** One pre-norm transformer block. */
  private record Block(LayerNormImpl ln1, LinearImpl qkv, LinearImpl proj, LayerNormImpl ln2, LinearImpl fc1, LinearImpl fc2) {}

  /**
   * @param channels image channels (1 gray, 3 RGB)
   * @param imageSize square input side; must be a multiple of {@code patch}
   * @param patch side of one token's square in input pixels
   */
  public VitEncoder(int channels, int imageSize, int patch, int dim, int layers, int heads) {
    super(architecture(channels, imageSize, patch, dim, layers, heads));
    this.patch = patch;
    this.heads = heads;
    int grid = imageSize / patch;
    this.reduce = stemReduction(patch);
    // Stem: one stride-1 conv, then one stride-2 conv per factor of 2 taken out of the patch.
    int in = channels, width = STEM;
    for (int i = 0; i <= Integer.numberOfTrailingZeros(reduce); i++) {
      stemW.add(param("stem" + i + "_w", randn(width, in, 3, 3).mul_(new Scalar((float) Math.sqrt(2.0 / (9 * in))))));
      stemNorm.add(register_module("stem" + i + "_bn", new BatchNorm2dImpl(new BatchNormOptions(width))));
      in = width;
      width *= 2;
    }
    int k = patch / reduce;
    patchW = param("patch_w", randn(dim, in, k, k).mul_(new Scalar((float) Math.sqrt(1.0 / (in * k * k)))));
    patchB = param("patch_b", zeros(dim));
    cls = param("cls", zeros(1, 1, dim));
    pos = param("pos", randn(1, grid * grid + 1, dim).mul_(new Scalar(0.02f)));
    for (int l = 0; l < layers; l++) {
      blocks.add(new Block(
          register_module("block" + l + "_ln1", layerNorm(dim)),
          register_module("block" + l + "_qkv", new LinearImpl(dim, 3L * dim)),
          register_module("block" + l + "_proj", new LinearImpl(dim, dim)),
          register_module("block" + l + "_ln2", layerNorm(dim)),
          register_module("block" + l + "_fc1", new LinearImpl(dim, 2L * dim)),
          register_module("block" + l + "_fc2", new LinearImpl(2L * dim, dim))));
    }
    norm = register_module("norm", layerNorm(dim));
  }

  /** The stem's total stride: 4, 2 or 1, the largest that divides the patch. */
  private static int stemReduction(int patch) {
    return patch % 4 == 0 ? 4 : patch % 2 == 0 ? 2 : 1;
  }

  private static LayerNormImpl layerNorm(int dim) {
    LongVector shape = new LongVector(1);
    shape.put(0, dim);
    return new LayerNormImpl(shape);
  }

  private static Architecture architecture(int channels, int imageSize, int patch, int dim, int layers, int heads) {
    if (patch < 1 || imageSize % patch != 0) throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of patch " + patch);
    if (heads < 1 || dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
    return new Architecture("vit", channels, imageSize, dim,
        Map.of("patch", patch, "grid", imageSize / patch, "layers", layers, "heads", heads, "stem", STEM, "stemStride", stemReduction(patch)));
  }

  /** The token grid side g (P = g * g patch tokens). */
  public int grid() {
    return imageSize() / patch;
  }

  /**
   * Every normalised state [B, 1 + P, D]: the [CLS] token first, then the patch tokens in row-major
   * grid order.
   */
  public Tensor tokens(Tensor x) {
    return tokens(x, null);
  }

  private Tensor tokens(Tensor x, java.util.function.Consumer<Tensor> camLayer) {
    Tensor h = x;
    for (int i = 0; i < stemW.size(); i++) {
      h = gelu(stemNorm.get(i).forward(conv(h, stemW.get(i), null, i == 0 ? 1 : 2, 1)));
    }
    h = conv(h, patchW, patchB, patch / reduce, 0);              // [B, D, g, g]
    long b = h.size(0);
    h = h.flatten(2, 3).transpose(1, 2);                         // [B, P, D]
    h = cat(new TensorVector(cls.expand(b, 1, dim()), h), 1).add(pos);
    for (int l = 0; l < blocks.size(); l++) {
      Block blk = blocks.get(l);
      Tensor u = blk.ln1().forward(h);
      if (camLayer != null && l == blocks.size() - 1) camLayer.accept(u);
      h = h.add(attention(blk, u));
      h = h.add(blk.fc2().forward(gelu(blk.fc1().forward(blk.ln2().forward(h)))));
    }
    return norm.forward(h);
  }

  private Tensor attention(Block blk, Tensor h) {
    long b = h.size(0), s = h.size(1), d = dim();
    Tensor qkv = blk.qkv().forward(h).view(b, s, 3, heads, d / heads).permute(2, 0, 3, 1, 4);  // [3, B, H, S, d/H]
    Tensor o = scaled_dot_product_attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2));
    return blk.proj().forward(o.transpose(1, 2).reshape(b, s, d));
  }

  @Override
  public Tensor forward(Tensor x) {
    return tokens(x).select(1, 0);                               // the [CLS] state
  }

  @Override
  public Tensor forward(Tensor x, java.util.function.Consumer<Tensor> camLayer) {
    return tokens(x, camLayer).select(1, 0);
  }
}
