package dev.tve.explain;

import dev.tve.image.NativeTensors;
import dev.tve.model.Encoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The embedding game of an image: its players are the patches of a g x g grid (row-major), and a
 * coalition S's value is the encoder's embedding e(x_S) of the image with the patches in S kept and the
 * others taken from the fill (KernelSHAP's: zero in normalised space). A Shapley explainer learns this
 * game's values; the reference Shapley maps and KernelSHAP play the same one, so all three estimate the
 * same quantity. Encoder calls are batched in chunks.
 *
 * <pre>{@code
 * PatchGame game = new PatchGame(encoder, 7, 256);
 * float[] empty = game.empty();                               // e(x_empty) [D]
 * float[] v = game.values(x, new int[] {0, 0}, coalitions);   // [2, D]: two coalitions of image 0
 * }</pre>
 *
 * Threads: read-only after construction apart from the encoder calls; share it as the encoder is shared.
 */
public final class PatchGame {
  private final Encoder encoder;
  private final int grid;
  private final int chunk;
  private final float[] fill;      // one image [C, S, S]
  private final int[] patchOf;     // pixel -> its player
  private volatile float[] empty;

  /**
   * With KernelSHAP's fill (zero in normalised space).
   *
   * @param encoder the encoder
   * @param grid the players' grid side (the image side must be a multiple of it)
   * @param chunk images per encoder call
   */
  public PatchGame(Encoder encoder, int grid, int chunk) {
    this(encoder, grid, chunk, new float[encoder.channels() * encoder.imageSize() * encoder.imageSize()]);
  }

  /**
   * @param encoder the encoder
   * @param grid the players' grid side
   * @param chunk images per encoder call
   * @param fill the image removed patches are taken from [C, S, S]
   */
  public PatchGame(Encoder encoder, int grid, int chunk, float[] fill) {
    int s = encoder.imageSize();
    if (grid < 1 || s % grid != 0) throw new IllegalArgumentException("image size " + s + " is not a multiple of the grid " + grid);
    if (chunk < 1) throw new IllegalArgumentException("chunk: " + chunk);
    if (fill.length != encoder.channels() * s * s) throw new IllegalArgumentException("fill: " + fill.length + " floats, an image is " + encoder.channels() * s * s);
    this.encoder = encoder;
    this.grid = grid;
    this.chunk = chunk;
    this.fill = fill.clone();
    int side = s / grid;
    patchOf = new int[s * s];
    for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) patchOf[y * s + x] = (y / side) * grid + x / side;
  }

  /** @return the players' grid side */
  public int grid() { return grid; }
  /** @return the number of players, grid * grid */
  public int players() { return grid * grid; }
  /** @return the embedding width D */
  public int dim() { return encoder.dim(); }
  /** @return floats per image */
  public int imageFloats() { return encoder.channels() * encoder.imageSize() * encoder.imageSize(); }

  /** @return e(x_empty) [D], the embedding of the fill alone (computed once) */
  public float[] empty() {
    float[] e = empty;
    if (e == null) {
      try (PointerScope scope = new PointerScope()) {
        int s = encoder.imageSize();
        e = encoder.embed(NativeTensors.copyOf(fill, 0, 1, encoder.channels(), s, s));
      }
      empty = e;
    }
    return e.clone();
  }

  /**
   * The values of coalitions.
   *
   * @param x images [n, C, S, S]
   * @param imageOf per coalition, the index of its image in x
   * @param coalitions per coalition, [players]: true where the patch is kept
   * @return [coalitions, D]
   */
  public float[] values(float[] x, int[] imageOf, boolean[][] coalitions) {
    if (imageOf.length != coalitions.length) throw new IllegalArgumentException(imageOf.length + " images for " + coalitions.length + " coalitions");
    int c = encoder.channels(), s = encoder.imageSize(), plane = s * s, img = c * plane, d = encoder.dim(), n = coalitions.length;
    float[] out = new float[n * d];
    float[] in = new float[Math.min(chunk, Math.max(1, n)) * img];
    for (int first = 0; first < n; first += chunk) {
      int k = Math.min(chunk, n - first);
      for (int j = 0; j < k; j++) {
        boolean[] keep = coalitions[first + j];
        if (keep.length != players()) throw new IllegalArgumentException("a coalition of " + keep.length + " players; the game has " + players());
        int src = imageOf[first + j] * img, dst = j * img;
        for (int ch = 0; ch < c; ch++) {
          int o = ch * plane;
          for (int q = 0; q < plane; q++) in[dst + o + q] = keep[patchOf[q]] ? x[src + o + q] : fill[o + q];
        }
      }
      try (PointerScope scope = new PointerScope()) {
        float[] e = encoder.embed(NativeTensors.copyOf(in, 0, k, c, s, s));
        System.arraycopy(e, 0, out, first * d, k * d);
      }
    }
    return out;
  }
}
