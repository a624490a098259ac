package dev.tve.evaluate;

import dev.tve.image.FashionMnist;
import dev.tve.image.Scene;
import dev.tve.image.SceneBatches;
import java.util.List;

/**
 * Generated scenes as {@link EvalImages}: scene {@code i} of the generator, its label and its item's box.
 *
 * <pre>{@code
 * EvalImages images = new SceneImages(sceneSetup.scenes());
 * }</pre>
 */
public final class SceneImages implements EvalImages {
  private final SceneBatches scenes;

  /** @param scenes the generator and its normalisation */
  public SceneImages(SceneBatches scenes) {
    this.scenes = scenes;
  }

  /** @return the scenes */
  public SceneBatches scenes() { return scenes; }

  @Override public int size() { return scenes.size(); }
  @Override public int channels() { return 1; }
  @Override public float[] mean() { return new float[] {scenes.mean()}; }
  @Override public float[] std() { return new float[] {scenes.std()}; }
  @Override public long count() { return Long.MAX_VALUE; }
  @Override public List<String> classNames() { return FashionMnist.CLASSES; }
  @Override public boolean hasBoxes() { return true; }
  @Override public boolean hasLabels() { return true; }

  @Override
  public Item item(long index) {
    Scene s = scenes.generator().scene(index);
    float[] x = new float[scenes.imageFloats()];
    scenes.normalise(s, x, 0);
    return new Item(s.index(), "scene " + s.index(), x, s.label(), s.box());
  }

  @Override
  public byte[] display(float[] x, float scale) {
    return EvalImages.super.display(x, 1f);
  }
}
