package dev.tve.image;

import java.nio.file.Path;

/** The committed Fashion-MNIST fixture (300 train and 100 test items; make_fixture.py). */
final class Fixtures {
  private Fixtures() {}

  static Path fashionDir() {
    try {
      return Path.of(Fixtures.class.getResource("/fashion-mnist-fixture/train-images-idx3-ubyte.gz").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static LabeledImages train() throws java.io.IOException {
    return FashionMnist.load(fashionDir(), FashionMnist.Split.TRAIN);
  }
}
