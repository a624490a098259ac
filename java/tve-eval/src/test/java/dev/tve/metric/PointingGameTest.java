package dev.tve.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.explain.ReferenceMaps;
import dev.tve.image.Box;
import org.junit.jupiter.api.Test;

class PointingGameTest {
  @Test
  void aPatchHitsWhenItsCentreIsInTheBox() {
    Box box = new Box(16, 8, 40, 32);   // pixels of a 56 canvas, 7x7 grid of 8 px patches
    assertThat(PointingGame.hit(1 * 7 + 2, 7, 56, box)).isTrue();    // centre (20, 12)
    assertThat(PointingGame.hit(1 * 7 + 1, 7, 56, box)).isFalse();   // centre (12, 12)
    assertThat(PointingGame.hit(3 * 7 + 4, 7, 56, box)).isTrue();    // centre (36, 28)
    assertThat(PointingGame.hit(4 * 7 + 4, 7, 56, box)).isFalse();   // centre (36, 36)
    assertThat(PointingGame.top(new float[] {0, 3, 1, 3})).isEqualTo(1);
  }

  @Test
  void intensityFindsTheBrightPatchInPixelUnits() {
    int s = 8, g = 4;
    float mean = 0.2f, std = 0.5f;
    float[] x = new float[s * s];
    for (int i = 0; i < x.length; i++) x[i] = (0 - mean) / std;                 // black
    for (int y = 4; y < 6; y++) for (int xx = 2; xx < 4; xx++) x[y * s + xx] = (1 - mean) / std;   // white patch (2, 1)
    float[] m = ReferenceMaps.intensity(x, 0, 1, s, g, new float[] {mean}, new float[] {std});
    assertThat(PointingGame.top(m)).isEqualTo(2 * g + 1);
    assertThat(m[2 * g + 1]).isCloseTo(1f, org.assertj.core.api.Assertions.within(1e-6f));
    assertThat(m[0]).isCloseTo(0f, org.assertj.core.api.Assertions.within(1e-6f));
  }

  @Test
  void randomMapsFollowSeedAndKey() {
    assertThat(ReferenceMaps.random(7, 3, 10)).isEqualTo(ReferenceMaps.random(7, 3, 10));
    assertThat(ReferenceMaps.random(7, 3, 10)).isNotEqualTo(ReferenceMaps.random(7, 3, 11));
    assertThat(ReferenceMaps.random(7, 3, 10)).isNotEqualTo(ReferenceMaps.random(7, 4, 10));
  }
}
