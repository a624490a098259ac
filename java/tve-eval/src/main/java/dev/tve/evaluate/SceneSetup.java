package dev.tve.evaluate;

import dev.tve.image.FashionMnist;
import dev.tve.image.LabeledImages;
import dev.tve.image.SceneBatches;
import dev.tve.image.SceneGenerator;
import dev.tve.image.Splits;
import dev.tve.metric.BlurCalibration;
import dev.tve.metric.FaithfulnessCheck;
import dev.tve.model.Encoder;
import dev.tve.model.Head;
import dev.tve.model.ModelCard;
import dev.tve.model.ModelScorer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The Fashion-MNIST scenes {@code tve faithfulness} and {@code tve evaluate} score on: the train
 * split and the encoder's validation carve (from its card), the card's normalisation, validation
 * scenes for calibration (scene seed + 1000) and the scored scenes of the chosen split.
 *
 * <pre>{@code
 * SceneSetup scenes = SceneSetup.load(FashionMnist.locate(), model.card(), "test", 5);
 * }</pre>
 *
 * @param train the train split
 * @param carve the encoder's validation carve of it
 * @param mean the card's normalisation mean
 * @param std the card's normalisation std
 * @param validation validation scenes (calibration)
 * @param scenes the scored scenes
 */
public record SceneSetup(LabeledImages train, Splits carve, float mean, float std, SceneBatches validation, SceneBatches scenes) {
  /**
   * @param data the Fashion-MNIST folder, or null for the installed package's
   * @param card the model's card (normalisation, validation carve)
   * @param split "test" or "validation"
   * @param sceneSeed the scene generator's seed
   * @return the scenes
   * @throws IOException when the data cannot be read
   */
  public static SceneSetup load(Path data, ModelCard card, String split, long sceneSeed) throws IOException {
    Path dir = data != null ? data : FashionMnist.locate();
    LabeledImages train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
    float mean = card.input().mean()[0], std = card.input().std()[0];
    Splits carve = Splits.carve(train.size(), card.validationItems(), card.seed());
    SceneBatches validation = new SceneBatches(SceneGenerator.builder(train, carve.validation()).optSeed(sceneSeed + 1000).build(), mean, std);
    SceneBatches scenes = switch (split) {
      case "test" -> {
        LabeledImages test = FashionMnist.load(dir, FashionMnist.Split.TEST);
        yield new SceneBatches(SceneGenerator.builder(test, Splits.all(test.size())).optSeed(sceneSeed).build(), mean, std);
      }
      case "validation" -> new SceneBatches(SceneGenerator.builder(train, carve.validation()).optSeed(sceneSeed).build(), mean, std);
      default -> throw new IllegalArgumentException("split " + split + ": test or validation");
    };
    return new SceneSetup(train, carve, mean, std, validation, scenes);
  }

  /**
   * The insertion canvas's sigma: the head's accuracy on {@code n} blurred validation scenes of its
   * classes for each sigma of the ladder, recorded into {@code record} ("sigma S" -> accuracy); the
   * smallest within 5 points of chance is chosen.
   *
   * @param encoder the encoder
   * @param head the head
   * @param n validation scenes
   * @param record receives the accuracy per sigma
   * @return the calibration
   */
  public BlurCalibration.Result calibrateBlur(Encoder encoder, Head head, int n, Map<String, Object> record) {
    int f = scenes.imageFloats();
    long[] idx = FaithfulnessCheck.select(validation.generator(), head, Set.of(), n, 0, 0, 50L * n);
    float[] x = new float[n * f];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      var sc = validation.generator().scene(idx[i]);
      validation.normalise(sc, x, i * f);
      labels[i] = head.classNames().indexOf(FashionMnist.CLASSES.get(sc.label()));
    }
    double[] ladder = {0, 1, 2, 3, 4, 6, 8, 12, 16};
    BlurCalibration.Result r = BlurCalibration.measure(new ModelScorer(encoder, head, 250), x, n, 1, scenes.size(), labels, head.classes(), ladder, 0.05);
    for (int k = 0; k < ladder.length; k++) record.put("sigma " + ladder[k], r.accuracy()[k]);
    if (Double.isNaN(r.chosen())) throw new IllegalStateException("no sigma up to 16 brings head " + head.name() + " near chance: " + record);
    return r;
  }
}
