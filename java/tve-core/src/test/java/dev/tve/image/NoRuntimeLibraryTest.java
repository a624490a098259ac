package dev.tve.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tve.api.NativeLibraries;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the native runtime library cannot load, OpenCV's own pixel cap (an environment variable it
 * sets) is not in force; the decoder then refuses any image whose decoded size it cannot read from the
 * header before decoding, so the stray-byte JPEG bomb is refused, not decoded. A process of its own,
 * on the engine's classes without libtveruntime.
 */
class NoRuntimeLibraryTest {
  /** Decodes the file named in args[0] without the runtime library; prints the cap problem and the outcome. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      OpenCvEnvironment.apply();
      System.out.println("cap problem: " + OpenCvEnvironment.capProblem());
      try {
        DecodedImage img = ImageDecoder.create().decode(Path.of(args[0]));
        System.out.println("decoded " + img.width() + " x " + img.height());
      } catch (ImageDataException e) {
        System.out.println("refused: " + e.getMessage());
      }
      try {
        DecodedImage ok = ImageDecoder.create().decode(Path.of(args[1]));
        System.out.println("decoded " + ok.width() + " x " + ok.height());
      } catch (ImageDataException e) {
        System.out.println("refused: " + e.getMessage());
      }
    }
  }

  @Test
  void withoutTheRuntimeLibraryTheStrayByteJpegBombIsRefusedBeforeDecoding(@TempDir Path dir) throws Exception {
    NativeLibraries.load();
    Path bomb = Files.write(dir.resolve("bomb.jpg"), ImageDecoderTest.strayByteJpeg());
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("samples"))) root = root.getParent();
    Path scene = root.resolve("samples/scene-00.png");
    // The engine's classes without libtveruntime (and its JNI glue): what a broken install looks like.
    Path classes = Path.of(ImageDecoder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path copy = dir.resolve("classes");
    try (Stream<Path> s = Files.walk(classes)) {
      for (Path p : s.toList()) {
        Path rel = classes.relativize(p);
        if (rel.toString().startsWith("dev/tve/runtime/linux-") || rel.toString().startsWith("dev/tve/zoo")) continue;
        if (Files.isDirectory(p)) Files.createDirectories(copy.resolve(rel.toString()));
        else Files.copy(p, copy.resolve(rel.toString()));
      }
    }
    List<String> cp = new ArrayList<>();
    for (String e : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator)) {
      cp.add(Path.of(e).toAbsolutePath().normalize().equals(classes.toAbsolutePath().normalize()) ? copy.toString() : e);
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", String.join(File.pathSeparator, cp), Main.class.getName(), bomb.toString(), scene.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(dir.resolve("out.txt"));
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("cap problem: the native runtime library did not load")
        .contains("refused: " + bomb + ": its decoded size cannot be bounded before decoding")
        .contains("decoded 56 x 56");      // an image with a readable header still decodes
  }
}
