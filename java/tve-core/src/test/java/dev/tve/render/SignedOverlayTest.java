package dev.tve.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** One scale for an image's targets: a map half as strong is drawn half as strong; zero leaves the image as it is. */
class SignedOverlayTest {
  static int[] px(Mat m, int y, int x) {
    UByteIndexer i = m.createIndexer();
    int[] v = {i.get(y, x, 0), i.get(y, x, 1), i.get(y, x, 2)};
    i.release();
    return v;
  }

  @Test
  void aSharedScaleDrawsAWeakerTargetFainterAndZeroAsTheImageWithAColourBar() {
    int h = 40, w = 60, g = 2;
    byte[] gray = new byte[h * w];
    java.util.Arrays.fill(gray, (byte) 128);
    float[] strong = {4, 4, 4, 4}, weak = {1, 1, 1, 1}, zero = {0, 0, 0, 0};
    float s = SignedOverlay.sharedScale(List.of(strong, weak, zero));
    assertThat(s).isEqualTo(4f);
    SignedOverlay o = new SignedOverlay(0.6);
    try (Mat row = o.row(gray, h, w, 1, null, List.of(strong, weak, zero), List.of("a", "b", "c"), g, new float[] {s}, "logit")) {
      assertThat(row.rows()).isEqualTo(h + SignedOverlay.BAR);
      assertThat(row.cols()).isEqualTo(3 * w + SignedOverlay.SCALE_WIDTH);          // three tiles and the bar
      int y = SignedOverlay.BAR + h / 2;
      int[] a = px(row, y, w / 2), b = px(row, y, w + w / 2), c = px(row, y, 2 * w + w / 2);
      assertThat(c).containsExactly(128, 128, 128);                                 // zero: the image itself
      // Red channel (BGR index 2) moves toward 220 by alpha * |v| / scale: 0.6 for the strong map, 0.15 for the weak one.
      assertThat(a[2] - 128).isCloseTo((int) Math.round(0.6 * (220 - 128)), org.assertj.core.data.Offset.offset(1));
      assertThat(b[2] - 128).isCloseTo((int) Math.round(0.15 * (220 - 128)), org.assertj.core.data.Offset.offset(1));
    }
    // Per target, the weak map fills its own scale: as strong as the strong one.
    try (Mat row = o.row(gray, h, w, 1, null, List.of(strong, weak), List.of("a", "b"), g, new float[] {4, 1}, "logit")) {
      assertThat(row.cols()).isEqualTo(2 * w);                                      // no shared bar
      int y = SignedOverlay.BAR + h / 2;
      assertThat(px(row, y, w + w / 2)).containsExactly(px(row, y, w / 2));
    }
  }

  @Test
  void theMapLiesOnlyOverTheRegionTheModelSaw() {
    int h = 40, w = 80;
    byte[] gray = new byte[h * w];
    java.util.Arrays.fill(gray, (byte) 100);
    float[] map = {1, 1, 1, 1};
    try (Mat t = new SignedOverlay(0.6).tile(gray, h, w, 1, new org.bytedeco.opencv.opencv_core.Rect(20, 0, 40, 40), map, 2, 1f, "x")) {
      int y = SignedOverlay.BAR + 20;
      assertThat(px(t, y, 5)).containsExactly(100, 100, 100);                        // outside the centre crop
      assertThat(px(t, y, 40)[2]).isGreaterThan(100);
    }
  }

  @Test
  void displayCopiesShrinkLargeImagesAndEnlargeSmallOnesByAWholeFactor() {
    SignedOverlay.Picture big = SignedOverlay.displayCopy(new float[2000 * 1000], 1000, 2000, 1, 1024, 224, false);
    assertThat(new int[] {big.height(), big.width()}).containsExactly(512, 1024);
    SignedOverlay.Picture small = SignedOverlay.displayCopy(new float[56 * 56], 56, 56, 1, 1024, 224, false);
    assertThat(new int[] {small.height(), small.width()}).containsExactly(224, 224);
    SignedOverlay.Picture photo = SignedOverlay.displayCopy(new float[300 * 451 * 3], 300, 451, 3, 1024, 224, false);
    assertThat(new int[] {photo.height(), photo.width()}).containsExactly(300, 451);
  }
}
