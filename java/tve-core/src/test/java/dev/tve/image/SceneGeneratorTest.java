package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {
  static LabeledImages train;

  @BeforeAll
  static void load() throws IOException {
    train = Fixtures.train();
  }

  @Test
  void scenesAreDeterministicGivenSeedAndIndex() {
    SceneGenerator a = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(3).build();
    SceneGenerator b = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(3).build();
    SceneGenerator c = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(4).build();
    for (long i = 0; i < 20; i++) {
      assertThat(a.scene(i).pixels()).isEqualTo(b.scene(i).pixels());
      assertThat(a.scene(i).box()).isEqualTo(b.scene(i).box());
    }
    int differ = 0;
    for (long i = 0; i < 20; i++) differ += java.util.Arrays.equals(a.scene(i).pixels(), c.scene(i).pixels()) ? 0 : 1;
    assertThat(differ).isGreaterThan(15);
  }

  @Test
  void itemLiesInItsBoxAndClutterNeverOverlapsIt() {
    SceneGenerator gen = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(11).build();
    Set<Integer> labels = new HashSet<>();
    for (long i = 0; i < 300; i++) {
      Scene s = gen.scene(i);
      assertThat(s.size()).isEqualTo(56);
      assertThat(s.label()).isEqualTo(train.label(s.item()));
      labels.add(s.label());
      assertThat(s.box().area()).isLessThanOrEqualTo(56 * 56 / 4);
      assertThat(s.clutter()).hasSizeGreaterThanOrEqualTo(2);
      for (Box c : s.clutter()) {
        assertThat(c.intersects(s.box())).as("scene %d clutter %s vs box %s", i, c, s.box()).isFalse();
        assertThat(c.width()).isBetween(12, 16);
      }
      // All of the item's ink is inside the box: outside it only clutter may be lit.
      long itemInk = 0, inkInBox = 0;
      for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) itemInk += train.pixel(s.item(), y, x);
      for (int y = s.box().y0(); y < s.box().y1(); y++) for (int x = s.box().x0(); x < s.box().x1(); x++) inkInBox += s.pixel(y, x);
      assertThat(inkInBox).isEqualTo(itemInk);
      // Clutter is visible: the scene has ink outside the box.
      long outside = 0;
      for (int y = 0; y < 56; y++) for (int x = 0; x < 56; x++) if (!s.box().contains(x, y)) outside += s.pixel(y, x);
      assertThat(outside).as("scene %d has clutter ink", i).isPositive();
    }
    assertThat(labels).hasSize(10);
  }

  @Test
  void chanceLevelOfThePointingGameIsTheBoxFraction() {
    SceneGenerator gen = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(5).build();
    double rate = gen.randomPointingRate(8, 0, 200);
    // Boxes of Fashion-MNIST items cover roughly 10 to 25 % of a 56 px canvas.
    assertThat(rate).isBetween(0.08, 0.25);
  }

  @Test
  void impossibleGeometryIsRejected() {
    assertThatThrownBy(() -> SceneGenerator.builder(train, Splits.all(10)).optCanvas(40).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarter");
    assertThatThrownBy(() -> SceneGenerator.builder(train, new int[] {300}).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("300");
  }

  @Test
  void splitsAreDisjointCoveringAndSeeded() {
    Splits s = Splits.carve(1000, 100, 1);
    assertThat(s.validation()).hasSize(100);
    assertThat(s.train()).hasSize(900);
    Set<Integer> all = new HashSet<>();
    for (int i : s.train()) all.add(i);
    for (int i : s.validation()) assertThat(all.add(i)).isTrue();
    assertThat(all).hasSize(1000);
    assertThat(Splits.carve(1000, 100, 1).validation()).isEqualTo(s.validation());
    assertThat(Splits.carve(1000, 100, 2).validation()).isNotEqualTo(s.validation());
  }
}
