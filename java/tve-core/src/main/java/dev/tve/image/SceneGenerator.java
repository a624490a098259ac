package dev.tve.image;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fashion-MNIST scenes with known ground truth, for localisation metrics: a real item at a random
 * position on a larger dark canvas, and clutter (square crops of other items) placed so that it
 * never overlaps the item's box — "look anywhere bright" does not find the item. Deterministic:
 * scene {@code i} depends only on the seed, {@code i} and the source images.
 *
 * <pre>{@code
 * SceneGenerator gen = SceneGenerator.builder(train, trainItems).optSeed(7).build();
 * Scene s = gen.scene(42);      // s.box(): the item's tight box; s.label(): its class
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class SceneGenerator {
  private final LabeledImages source;
  private final int[] items;
  private final int[] clutterSources;
  private final int canvas;
  private final int clutterCount;
  private final int clutterMin;
  private final int clutterMax;
  private final long seed;
  private final SceneVariant variant;
  private final boolean augment;

  private SceneGenerator(Builder b) {
    this.source = b.source;
    this.items = b.items.clone();
    this.clutterSources = b.clutterSources == null ? b.items.clone() : b.clutterSources.clone();
    this.canvas = b.canvas;
    this.clutterCount = b.clutterCount;
    this.clutterMin = b.clutterMin;
    this.clutterMax = b.clutterMax;
    this.seed = b.seed;
    this.variant = b.variant;
    this.augment = b.augment;
  }

  /**
   * @param source the images
   * @param items indices of {@code source} scenes take their item from (scene i uses a
   *     pseudo-random one); clutter comes from the same indices unless set
   */
  public static Builder builder(LabeledImages source, int[] items) {
    return new Builder(source, items);
  }

  public int canvas() { return canvas; }
  /** Number of classes of the source images. */
  public int classes() { return source.classes().size(); }
  /** The source images' class names. */
  public java.util.List<String> classNames() { return source.classes(); }
  public long seed() { return seed; }
  /** How many distinct items the scenes draw from. */
  public int items() { return items.length; }
  /** The variant every scene is drawn in (ignored when {@link #augmented()}). */
  public SceneVariant variant() { return variant; }
  /** Whether each scene draws its own variant (the training augmentation). */
  public boolean augmented() { return augment; }

  /** This generator with every scene drawn in {@code v} instead: the same items and seed, so the same places unless {@code v} changes the clutter. */
  public SceneGenerator withVariant(SceneVariant v) {
    Builder b = new Builder(source, items).optClutter(clutterCount, clutterMin, clutterMax).optSeed(seed).optVariant(v);
    b.clutterSources = clutterSources;
    b.canvas = canvas;
    return b.build();
  }

  /** Scene {@code index}. */
  public Scene scene(long index) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    int h = source.height(), w = source.width();
    int item = items[r.nextInt(items.length)];
    Box tight = tightBox(item);
    // The variant's draws come from a stream of their own: clean scenes stay what they always were.
    SplittableRandom vr = new SplittableRandom((seed ^ 0x5DEECE66DL) * 0xC2B2AE3D27D4EB4FL + index);
    SceneVariant v = augment ? SceneVariant.draw(vr) : variant;
    int clutterCount = v.clutter() >= 0 ? v.clutter() : this.clutterCount;
    for (int attempt = 0; attempt < 1000; attempt++) {
      int ox = r.nextInt(canvas - w + 1), oy = r.nextInt(canvas - h + 1);
      Box box = new Box(ox + tight.x0(), oy + tight.y0(), ox + tight.x1(), oy + tight.y1());
      List<Box> clutter = new ArrayList<>();
      List<int[]> crops = new ArrayList<>();  // {source index, crop x, crop y}
      for (int c = 0; c < clutterCount; c++) {
        int size = clutterMin + r.nextInt(clutterMax - clutterMin + 1);
        Box placed = null;
        for (int t = 0; t < 50 && placed == null; t++) {
          int x = r.nextInt(canvas - size + 1), y = r.nextInt(canvas - size + 1);
          Box b = new Box(x, y, x + size, y + size);
          if (!b.intersects(box)) placed = b;
        }
        if (placed == null) break;
        int src;
        do {
          src = clutterSources[r.nextInt(clutterSources.length)];
        } while (src == item && clutterSources.length > 1);
        int[] crop = inkyCrop(src, size, r);
        clutter.add(placed);
        crops.add(new int[] {src, crop[0], crop[1]});
      }
      if (clutter.size() < clutterCount) continue;  // no room beside the item here: move it
      byte[] px = new byte[canvas * canvas];
      if (v.paintsBackground()) v.paint(px, vr);
      for (int c = 0; c < clutter.size(); c++) {
        Box b = clutter.get(c);
        int[] cr = crops.get(c);
        for (int y = 0; y < b.height(); y++) {
          for (int x = 0; x < b.width(); x++) {
            blend(px, b.y0() + y, b.x0() + x, source.pixel(cr[0], cr[2] + y, cr[1] + x));
          }
        }
      }
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) blend(px, oy + y, ox + x, source.pixel(item, y, x));
      }
      v.blur(px, canvas);
      return new Scene(index, canvas, px, source.label(item), item, box, List.copyOf(clutter));
    }
    throw new IllegalStateException("scene " + index + ": no placement of " + clutterCount + " clutter pieces of "
        + clutterMin + ".." + clutterMax + " px beside item " + item + " on a " + canvas + " px canvas");
  }

  /**
   * The chance level of the pointing game on these scenes for a g x g patch grid: the expected rate
   * at which a uniformly random patch's centre falls inside the item's box, averaged over scenes
   * [from, from + n).
   */
  public double randomPointingRate(int grid, long from, int n) {
    double sum = 0;
    for (long i = from; i < from + n; i++) sum += scene(i).box().patchCentreFraction(grid, canvas);
    return sum / n;
  }

  private void blend(byte[] px, int y, int x, int v) {
    int i = y * canvas + x;
    if (v > (px[i] & 0xff)) px[i] = (byte) v;  // max: pieces never darken each other
  }

  /** The tight box of an item's non-zero pixels (the whole image if it is blank). */
  private Box tightBox(int item) {
    int h = source.height(), w = source.width();
    int x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (source.pixel(item, y, x) > 0) {
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        }
      }
    }
    return x1 == 0 ? new Box(0, 0, w, h) : new Box(x0, y0, x1, y1);
  }

  /** A size x size crop of item src holding ink (the best of a few random tries). */
  private int[] inkyCrop(int src, int size, SplittableRandom r) {
    int h = source.height(), w = source.width();
    int[] best = {0, 0};
    long bestInk = -1;
    for (int t = 0; t < 8; t++) {
      int x = r.nextInt(w - size + 1), y = r.nextInt(h - size + 1);
      long ink = 0;
      for (int yy = 0; yy < size; yy += 2) {
        for (int xx = 0; xx < size; xx += 2) ink += source.pixel(src, y + yy, x + xx);
      }
      if (ink > bestInk) {
        bestInk = ink;
        best = new int[] {x, y};
      }
    }
    return best;
  }

  /** Builder of {@link SceneGenerator}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final LabeledImages source;
    private final int[] items;
    private int[] clutterSources;
    private int canvas = 56;
    private int clutterCount = 2;
    private int clutterMin = 12;
    private int clutterMax = 16;
    private long seed = 0;
    private SceneVariant variant = SceneVariant.CLEAN;
    private boolean augment;

    private Builder(LabeledImages source, int[] items) {
      if (source == null) throw new IllegalArgumentException("source: null");
      if (items == null || items.length == 0) throw new IllegalArgumentException("items: empty");
      for (int i : items) {
        if (i < 0 || i >= source.size()) throw new IllegalArgumentException("items: index " + i + " outside [0, " + source.size() + ")");
      }
      this.source = source;
      this.items = items;
    }

    /** Canvas side in pixels (default 56); the item may take at most a quarter of its area. */
    public Builder optCanvas(int v) { this.canvas = v; return this; }
    /** Clutter pieces per scene (default 2). */
    public Builder optClutter(int count, int minSize, int maxSize) {
      this.clutterCount = count;
      this.clutterMin = minSize;
      this.clutterMax = maxSize;
      return this;
    }
    /** Indices clutter is cropped from (default: the items). */
    public Builder optClutterSources(int[] v) { this.clutterSources = v; return this; }
    public Builder optSeed(long v) { this.seed = v; return this; }
    /** Every scene in this variant (default {@link SceneVariant#CLEAN}). */
    public Builder optVariant(SceneVariant v) {
      if (v == null) throw new IllegalArgumentException("variant: null");
      this.variant = v;
      return this;
    }
    /**
     * A random variant per scene, drawn from the scene's seed and index (default off): the
     * augmentation that trains the zoo's encoder and heads (see {@code SceneVariant.draw}).
     */
    public Builder optAugmentation(boolean v) { this.augment = v; return this; }

    public SceneGenerator build() {
      int h = source.height(), w = source.width();
      if (canvas < Math.max(h, w)) throw new IllegalArgumentException("canvas " + canvas + " is smaller than the items (" + w + "x" + h + ")");
      if ((long) h * w * 4 > (long) canvas * canvas) {
        throw new IllegalArgumentException("canvas " + canvas + ": an item of " + w + "x" + h + " would take more than a quarter of it");
      }
      if (clutterCount < 0 || clutterMin < 1 || clutterMax < clutterMin || clutterMax > Math.min(h, w)) {
        throw new IllegalArgumentException("clutter: " + clutterCount + " pieces of " + clutterMin + ".." + clutterMax + " px");
      }
      return new SceneGenerator(this);
    }
  }
}
