package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CanvasesTest {
  @Test
  void blackIsZeroPixelsNormalised() {
    float[] b = Canvases.black(2, 3, new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.25f});
    assertThat(b).hasSize(18);
    assertThat(b[0]).isEqualTo(-1f);
    assertThat(b[9]).isEqualTo(-1f);
  }

  @Test
  void blurKeepsConstantsAndMassAndIsSymmetric() {
    int s = 21;
    float[] c = new float[s * s];
    java.util.Arrays.fill(c, 0.3f);
    for (float v : Canvases.blur(c, 1, s, 2.5)) assertThat(v).isCloseTo(0.3f, within(1e-5f));
    float[] impulse = new float[s * s];
    impulse[10 * s + 10] = 1;
    float[] b = Canvases.blur(impulse, 1, s, 1.5);
    double sum = 0;
    for (float v : b) sum += v;
    assertThat(sum).isCloseTo(1.0, within(1e-5));
    assertThat(b[10 * s + 7]).isCloseTo(b[10 * s + 13], within(1e-7f)).isCloseTo(b[7 * s + 10], within(1e-7f));
    assertThat(b[10 * s + 10]).isGreaterThan(b[10 * s + 11]);
    // A larger sigma spreads more.
    assertThat(Canvases.blur(impulse, 1, s, 4)[10 * s + 10]).isLessThan(b[10 * s + 10]);
    assertThat(Canvases.blur(impulse, 1, s, 0)).isEqualTo(impulse);
  }

  @Test
  void blurLeavesOtherChannelsAlone() {
    int s = 9;
    float[] x = new float[2 * s * s];
    x[4 * s + 4] = 1;
    float[] b = Canvases.blur(x, 2, s, 1);
    for (int i = s * s; i < 2 * s * s; i++) assertThat(b[i]).isZero();
  }

  @Test
  void reflectionDoesNotRepeatTheEdge() {
    assertThat(Canvases.reflect(-1, 5)).isEqualTo(1);
    assertThat(Canvases.reflect(-2, 5)).isEqualTo(2);
    assertThat(Canvases.reflect(5, 5)).isEqualTo(3);
    assertThat(Canvases.reflect(3, 5)).isEqualTo(3);
    assertThat(Canvases.reflect(13, 5)).isEqualTo(3);
  }
}
