package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
  @Test
  void readsTheFixtureInThePackagesFormat() throws IOException {
    LabeledImages train = Fixtures.train();
    assertThat(train.size()).isEqualTo(300);
    assertThat(train.height()).isEqualTo(28);
    assertThat(train.width()).isEqualTo(28);
    int[] perClass = new int[10];
    for (int i = 0; i < train.size(); i++) perClass[train.label(i)]++;
    assertThat(perClass).containsOnly(30);
    assertThat(FashionMnist.load(Fixtures.fashionDir(), FashionMnist.Split.TEST).size()).isEqualTo(100);
    // Fashion-MNIST items are centred on black: the corners are dark, the middle is not.
    long corner = 0, middle = 0;
    for (int i = 0; i < train.size(); i++) {
      corner += train.pixel(i, 0, 0);
      middle += train.pixel(i, 14, 14);
    }
    assertThat(middle).isGreaterThan(50L * corner + 1000);
  }

  @Test
  void readsPlainAndGzippedAlike(@TempDir Path dir) throws IOException {
    byte[] idx = idx(0x0803, new int[] {2, 2, 3}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 200});
    Files.write(dir.resolve("plain"), idx);
    Files.write(dir.resolve("gz"), gzip(idx));
    for (String name : new String[] {"plain", "gz"}) {
      IdxFile f = IdxFile.read(dir.resolve(name));
      assertThat(f.shape()).containsExactly(2, 2, 3);
      assertThat(f.get(1, 1, 2)).isEqualTo(200);
      assertThat(f.item(0)).containsExactly(1, 2, 3, 4, 5, 6);
    }
  }

  @Test
  void malformedFilesNameTheFileAndTheReason(@TempDir Path dir) throws IOException {
    Path empty = Files.write(dir.resolve("empty.gz"), new byte[0]);
    assertThatThrownBy(() -> IdxFile.read(empty)).isInstanceOf(ImageDataException.class).hasMessageContaining("empty.gz")
        .hasMessageContaining("empty");
    Path png = Files.write(dir.resolve("photo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    assertThatThrownBy(() -> IdxFile.read(png)).isInstanceOf(ImageDataException.class).hasMessageContaining("not an IDX");
    Path floats = Files.write(dir.resolve("floats.idx"), idx(0x0D01, new int[] {1}, new byte[4]));
    assertThatThrownBy(() -> IdxFile.read(floats)).isInstanceOf(ImageDataException.class).hasMessageContaining("0x0d");
    byte[] whole = idx(0x0803, new int[] {10, 28, 28}, new byte[10 * 28 * 28]);
    Path cut = Files.write(dir.resolve("cut.gz"), gzip(java.util.Arrays.copyOf(whole, whole.length - 100)));
    assertThatThrownBy(() -> IdxFile.read(cut)).isInstanceOf(ImageDataException.class).hasMessageContaining("truncated");
    byte[] gz = gzip(whole);
    Path corrupt = Files.write(dir.resolve("corrupt.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(() -> IdxFile.read(corrupt)).isInstanceOf(ImageDataException.class).hasMessageContaining("corrupt.gz");
  }

  @Test
  void missingDatasetSaysHowToInstallIt(@TempDir Path dir) {
    String old = System.getProperty("tve.fashion.dir");
    System.setProperty("tve.fashion.dir", dir.toString());
    try {
      assertThatThrownBy(FashionMnist::locate).isInstanceOf(IOException.class)
          .hasMessageContaining("apt-get install -y dataset-fashion-mnist");
      System.setProperty("tve.fashion.dir", Fixtures.fashionDir().toString());
      assertThat(FashionMnist.locate()).isEqualTo(Fixtures.fashionDir());
    } catch (IOException e) {
      throw new AssertionError(e);
    } finally {
      if (old == null) System.clearProperty("tve.fashion.dir");
      else System.setProperty("tve.fashion.dir", old);
    }
  }

  static byte[] idx(int magic, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.putInt(magic);
    for (int d : dims) b.putInt(d);
    b.put(data);
    return b.array();
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(data);
    }
    return out.toByteArray();
  }
}
