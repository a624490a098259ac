package dev.tve.image;

import java.util.List;
import java.util.SplittableRandom;

/**
 * How a scene's canvas is drawn around its item and clutter: background level, uniform background
 * noise, the number of clutter pieces, a Gaussian blur of the finished canvas. The item and clutter
 * are blended over the background with max, as pieces are over each other. {@link #CLEAN} is the
 * generator's default: a black canvas, no noise, its own clutter count, no blur.
 *
 * <pre>{@code
 * SceneGenerator noisy = SceneGenerator.builder(test, items).optVariant(SceneVariant.noise(13)).build();
 * SceneGenerator train = SceneGenerator.builder(train, items).optAugmentation(true).build();  // a random variant per scene
 * }</pre>
 *
 * @param name what the variant is, as tables show it
 * @param background the canvas level, 0..255
 * @param noise the largest uniform noise added to the background, 0..255 (each pixel draws 0..noise)
 * @param clutter clutter pieces; -1 keeps the generator's count
 * @param blur the sigma of a Gaussian blur of the canvas in pixels; 0 for none
 */
public record SceneVariant(String name, int background, int noise, int clutter, double blur) {
  /** The generator's scenes as they always were. */
  public static final SceneVariant CLEAN = new SceneVariant("clean", 0, 0, -1, 0);

  public SceneVariant {
    if (background < 0 || background > 255 || noise < 0 || background + noise > 255 || clutter < -1 || !(blur >= 0) || blur > 8) {
      throw new IllegalArgumentException("scene variant " + name + ": background " + background + ", noise " + noise + ", clutter " + clutter
          + ", blur " + blur);
    }
  }

  /** Uniform background noise up to {@code max} of 255, clutter as usual. */
  public static SceneVariant noise(int max) { return new SceneVariant("noise up to " + max, 0, max, -1, 0); }

  /** A uniform background at {@code level} of 255, clutter as usual. */
  public static SceneVariant background(int level) { return new SceneVariant("background " + level, level, 0, -1, 0); }

  /** No clutter on a black canvas. */
  public static SceneVariant noClutter() { return new SceneVariant("no clutter", 0, 0, 0, 0); }

  /**
   * The fixed test variants of the three trained families (noise, background level, clutter), one
   * change from clean each, plus the combination that broke the first zoo (no clutter and noise up
   * to 13).
   */
  public static List<SceneVariant> trainedFamilies() {
    return List.of(noise(4), noise(8), noise(13), background(16), background(32), background(48), noClutter(),
        new SceneVariant("no clutter, noise up to 13", 0, 13, 0, 0));
  }

  /** The family training never sees: defocus, a Gaussian blur of the whole canvas (sigma 0.8 and 1.2 px). */
  public static List<SceneVariant> unseenFamily() {
    return List.of(new SceneVariant("blur 0.8 px (unseen)", 0, 0, -1, 0.8), new SceneVariant("blur 1.2 px (unseen)", 0, 0, -1, 1.2));
  }

  /**
   * A training draw: clutter 0 (a quarter of scenes), 1 (a sixth) or as usual; half the scenes on a
   * black canvas, the others at a level 0..56; half without noise, the others with noise up to
   * 0..20. Never blurred: blur is the unseen family.
   *
   * @param r the scene's own stream
   * @return the variant
   */
  static SceneVariant draw(SplittableRandom r) {
    double u = r.nextDouble();
    int clutter = u < 0.25 ? 0 : u < 0.25 + 1.0 / 6 ? 1 : -1;
    int background = r.nextBoolean() ? 0 : r.nextInt(57);
    int noise = r.nextBoolean() ? 0 : r.nextInt(21);
    return new SceneVariant("augmented", background, noise, clutter, 0);
  }

  /** Whether the background is drawn at all (a clean canvas stays zeros). */
  boolean paintsBackground() { return background > 0 || noise > 0; }

  /** Fills the canvas with the background level plus uniform noise 0..noise from r. */
  void paint(byte[] px, SplittableRandom r) {
    for (int i = 0; i < px.length; i++) px[i] = (byte) (background + (noise > 0 ? r.nextInt(noise + 1) : 0));
  }

  /** Blurs a size x size canvas in place: a separable Gaussian (radius ceil(3 sigma)), edges clamped, rounded. */
  void blur(byte[] px, int size) {
    if (blur == 0) return;
    int rad = (int) Math.ceil(3 * blur);
    double[] k = new double[2 * rad + 1];
    double sum = 0;
    for (int i = -rad; i <= rad; i++) sum += k[i + rad] = Math.exp(-i * i / (2 * blur * blur));
    for (int i = 0; i < k.length; i++) k[i] /= sum;
    double[] tmp = new double[px.length];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double v = 0;
        for (int i = -rad; i <= rad; i++) v += k[i + rad] * (px[y * size + Math.min(size - 1, Math.max(0, x + i))] & 0xff);
        tmp[y * size + x] = v;
      }
    }
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        double v = 0;
        for (int i = -rad; i <= rad; i++) v += k[i + rad] * tmp[Math.min(size - 1, Math.max(0, y + i)) * size + x];
        px[y * size + x] = (byte) Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
}
