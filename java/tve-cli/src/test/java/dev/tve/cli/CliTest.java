package dev.tve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CliTest {
  static String[] capture(String... args) {
    PrintStream out = System.out, err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = TveCommand.run(args);
      return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /** Parses tve ARGS and returns the subcommand's object, running nothing. */
  @SuppressWarnings("unchecked")
  static <T> T parsed(String... args) {
    picocli.CommandLine.ParseResult r = TveCommand.configure(new picocli.CommandLine(new TveCommand())).parseArgs(args);
    return (T) r.subcommand().commandSpec().userObject();
  }

  @Test
  void verifyTakesItsCountOnlyWhenOneFollows() {
    // --verify before the paths must not swallow a path as its count ("not an int").
    ExplainCommand e = parsed("explain", "--verify", "samples/photos");
    assertThat(e.verify).isEqualTo(-1);
    assertThat(e.paths).containsExactly(java.nio.file.Path.of("samples/photos"));
    e = parsed("explain", "--verify", "4", "samples/photos");
    assertThat(e.verify).isEqualTo(4);
    assertThat(e.paths).containsExactly(java.nio.file.Path.of("samples/photos"));
    e = parsed("explain", "--verify=3", "a.png");
    assertThat(e.verify).isEqualTo(3);
    e = parsed("explain", "a.png", "--verify");
    assertThat(e.verify).isEqualTo(-1);
    assertThat(e.paths).containsExactly(java.nio.file.Path.of("a.png"));
    e = parsed("explain", "a.png");
    assertThat(e.verify).isZero();
    PredictCommand p = parsed("predict", "--verify", "a.png", "b.png");
    assertThat(p.verify).isEqualTo(-2);
    assertThat(p.paths).hasSize(2);
    p = parsed("predict", "--verify", "-1", "a.png");
    assertThat(p.verify).isEqualTo(-1);
    assertThat(p.paths).containsExactly(java.nio.file.Path.of("a.png"));
  }

  @Test
  void infoReportsTheBackEnds() {
    String[] r = capture("info");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).contains("native kernel: libtvekernel").contains("cpu paths: scalar").contains("default engine: cpu/");
  }

  @Test
  void explainWithoutAZooSaysSoClearly() {
    String old = System.getProperty("tve.home");
    System.setProperty("tve.home", "/nonexistent-tve-home");
    try {
      String[] r = capture("explain");
      assertThat(r[0]).isEqualTo("2");
      assertThat(r[2]).contains("no zoo at /nonexistent-tve-home").contains("tve zoo build").contains("nothing was written");
    } finally {
      if (old == null) System.clearProperty("tve.home");
      else System.setProperty("tve.home", old);
    }
  }

  @Test
  void unknownOptionsAreUsageErrors() {
    assertThat(capture("project", "--no-such-option")[0]).isEqualTo("2");
  }

  /** A command whose work runs out of memory, as a run with too small a heap does. */
  @picocli.CommandLine.Command(name = "hungry")
  static final class Hungry implements Runnable {
    final boolean wrapped;

    Hungry(boolean wrapped) {
      this.wrapped = wrapped;
    }

    @Override
    public void run() {
      OutOfMemoryError e = new OutOfMemoryError("Java heap space");
      if (wrapped) throw new IllegalStateException("batch thread died", e);
      throw e;
    }
  }

  @Test
  void runningOutOfMemoryHasItsOwnExitCodeAndOneLine() {
    for (boolean wrapped : new boolean[] {false, true}) {
      java.io.StringWriter err = new java.io.StringWriter();
      picocli.CommandLine cl = TveCommand.configure(new picocli.CommandLine(new Hungry(wrapped))).setErr(new java.io.PrintWriter(err));
      assertThat(TveCommand.execute(cl)).isEqualTo(TveCommand.OUT_OF_MEMORY).isNotIn(0, 1, 2);
      assertThat(err.toString().strip().lines().count()).as(err.toString()).isEqualTo(1);
      assertThat(err.toString()).contains("out of memory (Java heap space)").contains("-Xmx");
    }
  }
}
