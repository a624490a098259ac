package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.io.Npy;
import dev.tve.io.NpyArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tve project} against maps computed independently by NumPy (make_fixtures.py). */
class ProjectCommandTest {
  static String fixture(String name) throws Exception {
    return Path.of(ProjectCommandTest.class.getResource("/npy/" + name).toURI()).toString();
  }

  private static int run(String... args) {
    PrintStream err = System.err;
    System.setErr(new PrintStream(new ByteArrayOutputStream()));
    try {
      return TveCommand.run(args);
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void matchesNumPyOnEveryBackendAndIsa(@TempDir Path dir) throws Exception {
    float[] expectedRaw = Npy.read(Path.of(fixture("expected_raw.npy"))).toFloatArray();
    float[] expectedMap = Npy.read(Path.of(fixture("expected_map.npy"))).toFloatArray();
    String[][] engines = {{"--backend", "java"}, {"--backend", "cpu", "--isa", "scalar"}, {"--backend", "auto"}};
    for (String[] engine : engines) {
      Path out = dir.resolve("maps.npy"), raw = dir.resolve("raw.npy");
      String[] args = {"project", "--e-pos", fixture("e_pos.npy"), "--e-neg", fixture("e_neg.npy"),
          "--weight", fixture("w.npy"), "--bias", fixture("b.npy"), "--targets-npy", fixture("targets.npy"),
          "--cls", "last", "--lambda-neg", "0.5", "--smooth", "1", "--norm", "reference",
          "--out", out.toString(), "--out-raw", raw.toString(), engine[0], engine[1]};
      if (engine.length > 2) {
        args = java.util.Arrays.copyOf(args, args.length + 2);
        args[args.length - 2] = engine[2];
        args[args.length - 1] = engine[3];
      }
      assertThat(run(args)).isZero();
      NpyArray maps = Npy.read(out);
      assertThat(maps.shape()).containsExactly(2, 2, 4, 4);
      float[] m = maps.toFloatArray(), r = Npy.read(raw).toFloatArray();
      for (int i = 0; i < m.length; i++) {
        assertThat(r[i]).as("raw %d on %s", i, engine[1]).isCloseTo(expectedRaw[i], org.assertj.core.api.Assertions.within(2e-5f));
        assertThat(m[i]).as("map %d on %s", i, engine[1]).isCloseTo(expectedMap[i], org.assertj.core.api.Assertions.within(2e-5f));
      }
    }
  }

  @Test
  void edgeCasesExitTwoWithOneLineInsteadOfAGuessOrAStackTrace(@TempDir Path dir) throws Exception {
    String out = dir.resolve("o.npy").toString();
    // NaN embeddings: before, --argmax silently picked class 0.
    float[] emb = Npy.read(Path.of(fixture("emb.npy"))).toFloatArray();
    emb[3] = Float.NaN;
    Path nan = dir.resolve("nan-emb.npy");
    Npy.write(nan, dev.tve.io.NpyArray.ofFloats(emb, 2, 20));
    String[] r = CliTest.capture("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--argmax", nan.toString(),
        "--cls", "last", "--out", out);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2].strip().lines().count()).isEqualTo(1);
    assertThat(r[2]).contains("nan-emb.npy").contains("NaN").contains("no argmax");
    // An int64 target of 2^31: before, an ArithmeticException's stack trace.
    Path big = dir.resolve("big-targets.npy");
    Npy.write(big, dev.tve.io.NpyArray.ofLongs(new long[] {1L << 31, 1}, 2));
    r = CliTest.capture("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets-npy", big.toString(),
        "--cls", "last", "--out", out);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2].strip().lines().count()).isEqualTo(1);
    assertThat(r[2]).contains("big-targets.npy");
    // --grid 4 with P = 17 and no --cls: before, the last row was silently taken as [CLS].
    r = CliTest.capture("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "0", "--grid", "4", "--out", out);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("P=17 = 4^2 + 1").contains("--cls");
    assertThat(CliTest.capture("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "0", "--grid", "4",
        "--cls", "last", "--out", out)[0]).isEqualTo("0");
    // --threads -3: before, accepted.
    r = CliTest.capture("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "0", "--cls", "last",
        "--threads", "-3", "--out", out);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--threads -3");
  }

  @Test
  void argmaxTargetsComeFromTheRealEmbeddings(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("maps.npy"), same = dir.resolve("same.npy");
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--bias", fixture("b.npy"),
        "--argmax", fixture("emb.npy"), "--cls", "last", "--out-raw", out.toString())).isZero();
    int[] argmax = Npy.read(Path.of(fixture("expected_argmax.npy"))).ints();
    // The same maps as naming those classes per image explicitly.
    Path idx = dir.resolve("idx.npy");
    Npy.write(idx, NpyArray.ofInts(argmax, argmax.length));
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--bias", fixture("b.npy"),
        "--targets-npy", idx.toString(), "--cls", "last", "--out-raw", same.toString())).isZero();
    assertThat(Npy.read(out).toFloatArray()).containsExactly(Npy.read(same).toFloatArray());
    assertThat(Npy.read(out).shape()).containsExactly(2, 1, 4, 4);
  }

  @Test
  void contrastiveAndAllTargetsFromTheCommandLine(@TempDir Path dir) throws Exception {
    Path all = dir.resolve("all.npy"), vs = dir.resolve("vs.npy");
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "all",
        "--cls", "first", "--out", all.toString())).isZero();
    assertThat(Npy.read(all).shape()).containsExactly(2, 5, 4, 4);
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "1,2",
        "--foils", "3,-1", "--cls", "first", "--out-raw", vs.toString())).isZero();
    assertThat(Npy.read(vs).shape()).containsExactly(2, 2, 4, 4);
  }

  @Test
  void badInputsGiveExitCode2AndNoOutput(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("maps.npy");
    // P = 17 = 4^2 + 1: the [CLS] position must be said.
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "0",
        "--out", out.toString())).isEqualTo(2);
    assertThat(run("project", "--e-pos", fixture("truncated.npy"), "--weight", fixture("w.npy"), "--targets", "0",
        "--cls", "last", "--out", out.toString())).isEqualTo(2);
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("w.npy"), "--targets", "9",
        "--cls", "last", "--out", out.toString())).isEqualTo(2);
    assertThat(run("project", "--e-pos", fixture("e_pos.npy"), "--weight", fixture("e_neg.npy"), "--targets", "0",
        "--cls", "last", "--out", out.toString())).isEqualTo(2);
    assertThat(out).doesNotExist();
  }
}
