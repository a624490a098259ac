package dev.tve.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  static Path fixture(String name) throws Exception {
    return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
  }

  @Test
  void readsWhatNumPyWrote() throws Exception {
    NpyArray e = Npy.read(fixture("e_pos.npy"));
    assertThat(e.dtype()).isEqualTo(NpyArray.DType.FLOAT32);
    assertThat(e.shape()).containsExactly(2, 17, 20);
    assertThat(e.floats().remaining()).isEqualTo(2 * 17 * 20);
    NpyArray t = Npy.read(fixture("targets.npy"));
    assertThat(t.dtype()).isEqualTo(NpyArray.DType.INT64);
    assertThat(t.ints()).containsExactly(1, 3, 4, 0);
    assertThat(Npy.read(fixture("b.npy")).shape()).containsExactly(5);
  }

  @Test
  void roundTripsAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
    float[] v = {1f, -2.5f, Float.MIN_VALUE, 3e38f, 0f, 7f};
    Path f = dir.resolve("sub/out.npy");
    Npy.write(f, NpyArray.ofFloats(v, 2, 3));
    NpyArray back = Npy.read(f);
    assertThat(back.shape()).containsExactly(2, 3);
    assertThat(back.toFloatArray()).containsExactly(v);
    Npy.write(dir.resolve("one.npy"), NpyArray.ofInts(new int[] {4, 5, 6}, 3));
    assertThat(Npy.read(dir.resolve("one.npy")).ints()).containsExactly(4, 5, 6);
    // header + preamble padded to 64 bytes, as NumPy does
    assertThat((Files.size(f) - 24) % 64).isZero();
    try (Stream<Path> files = Files.list(f.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("out.npy");
    }
  }

  @Test
  void malformedFilesNameTheFileAndTheReason() {
    assertThatThrownBy(() -> Npy.read(fixture("notnpy.npy"))).isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("notnpy.npy").hasMessageContaining("magic");
    assertThatThrownBy(() -> Npy.read(fixture("float64.npy"))).isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("'<f8'");
    assertThatThrownBy(() -> Npy.read(fixture("bigendian.npy"))).isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("'>f4'");
    assertThatThrownBy(() -> Npy.read(fixture("fortran.npy"))).isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("Fortran");
    assertThatThrownBy(() -> Npy.read(fixture("truncated.npy"))).isInstanceOf(NpyFormatException.class)
        .hasMessageContaining("truncated").hasMessageContaining("truncated.npy");
  }
}
