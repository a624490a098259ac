package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SceneVariantTest {
  static LabeledImages train;

  @BeforeAll
  static void load() throws IOException {
    train = Fixtures.train();
  }

  static SceneGenerator gen() {
    return SceneGenerator.builder(train, Splits.all(train.size())).optSeed(5).build();
  }

  /** Clean scenes are byte for byte those of the generator before variants existed (hash taken then). */
  @Test
  void cleanScenesAreUnchanged() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    SceneGenerator g = gen();
    for (long i = 0; i < 200; i++) md.update(g.scene(i).pixels());
    assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(GOLDEN);
    SceneGenerator clean = g.withVariant(SceneVariant.CLEAN);
    for (long i = 0; i < 50; i++) assertThat(clean.scene(i).pixels()).isEqualTo(g.scene(i).pixels());
  }

  static final String GOLDEN = "676e0783e69d06d2699104a8445620505431803b01a260fb5b32e8666386efd4";

  @Test
  void noiseAndBackgroundOnlyRaiseTheCanvasAndKeepPlacements() {
    SceneGenerator g = gen();
    for (SceneVariant v : new SceneVariant[] {SceneVariant.noise(13), SceneVariant.background(32)}) {
      SceneGenerator gv = g.withVariant(v);
      int noisyBackground = 0;
      for (long i = 0; i < 40; i++) {
        Scene a = g.scene(i), b = gv.scene(i);
        assertThat(b.box()).isEqualTo(a.box());
        assertThat(b.clutter()).isEqualTo(a.clutter());
        assertThat(b.label()).isEqualTo(a.label());
        for (int p = 0; p < a.pixels().length; p++) {
          int clean = a.pixels()[p] & 0xff, varied = b.pixels()[p] & 0xff;
          // max-blend over the background: never darker than clean, at most background + noise where clean is black
          assertThat(varied).isGreaterThanOrEqualTo(Math.max(clean, v.background()));
          if (clean == 0) {
            assertThat(varied).isLessThanOrEqualTo(v.background() + v.noise());
            if (varied > 0 && v.noise() > 0) noisyBackground++;
          } else {
            assertThat(varied).isLessThanOrEqualTo(Math.max(clean, v.background() + v.noise()));
          }
        }
      }
      if (v.noise() > 0) assertThat(noisyBackground).isGreaterThan(40 * 1000);
    }
  }

  @Test
  void noClutterHasNoClutterAndBlurSmoothsButKeepsTheMean() {
    SceneGenerator g = gen();
    for (long i = 0; i < 20; i++) assertThat(g.withVariant(SceneVariant.noClutter()).scene(i).clutter()).isEmpty();
    SceneGenerator blurred = g.withVariant(SceneVariant.unseenFamily().get(1));
    for (long i = 0; i < 10; i++) {
      byte[] a = g.scene(i).pixels(), b = blurred.scene(i).pixels();
      long sa = 0, sb = 0, ta = 0, tb = 0;
      for (int p = 0; p < a.length; p++) {
        sa += a[p] & 0xff;
        sb += b[p] & 0xff;
        if (p % 56 < 55) {
          ta += Math.abs((a[p] & 0xff) - (a[p + 1] & 0xff));
          tb += Math.abs((b[p] & 0xff) - (b[p + 1] & 0xff));
        }
      }
      assertThat((double) sb).isCloseTo(sa, org.assertj.core.data.Percentage.withPercentage(3));
      assertThat(tb).isLessThan(ta * 3 / 4);       // total variation falls
    }
  }

  @Test
  void augmentationIsDeterministicAndMixesTheFamilies() {
    SceneGenerator a = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(5).optAugmentation(true).build();
    SceneGenerator b = SceneGenerator.builder(train, Splits.all(train.size())).optSeed(5).optAugmentation(true).build();
    int noClutter = 0, lit = 0, black = 0;
    for (long i = 0; i < 200; i++) {
      Scene s = a.scene(i);
      assertThat(s.pixels()).isEqualTo(b.scene(i).pixels());
      if (s.clutter().isEmpty()) noClutter++;
      int min = 255;
      for (byte p : s.pixels()) min = Math.min(min, p & 0xff);
      if (min > 0) lit++;
      if (min == 0) black++;
    }
    assertThat(noClutter).isBetween(30, 70);      // a quarter of 200
    assertThat(lit).isGreaterThan(60);            // about half have a raised background
    assertThat(black).isGreaterThan(60);
  }

  @Test
  void badVariantsAreRefused() {
    assertThatThrownBy(() -> new SceneVariant("x", 250, 10, -1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("noise 10");
    assertThatThrownBy(() -> new SceneVariant("x", 0, 0, -2, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SceneVariant("x", 0, 0, -1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }
}
