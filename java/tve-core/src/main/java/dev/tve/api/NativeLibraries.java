package dev.tve.api;

import dev.tve.runtime.NativeRuntimeLibrary;
import dev.tve.runtime.TveException;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import org.bytedeco.javacpp.Loader;

/**
 * Loads every native library the engine uses (libtorch, OpenBLAS, OpenCV, libtveruntime,
 * libtvekernel) once per process, holding an exclusive lock on JavaCPP's cache folder meanwhile. On an
 * empty cache JavaCPP unpacks each library from its jar; several processes started together (a CLI
 * fan-out, Spark executors on one machine) unpacked the same files at once, and one of them crashed
 * with SIGBUS in the dynamic loader while another rewrote a library it was mapping. With the lock the
 * first process unpacks and loads, the others wait, then find complete files and only map them.
 *
 * <pre>{@code
 * NativeLibraries.load();     // before the first tensor, image or kernel call; later calls return at once
 * }</pre>
 */
public final class NativeLibraries {
  /** The lock file in JavaCPP's cache folder. */
  public static final String LOCK = ".tve-load.lock";

  private static boolean loaded;

  private NativeLibraries() {}

  /**
   * Loads them all under the cache lock (once per process).
   *
   * @throws TveException when the cache folder cannot be locked or a library cannot be loaded
   */
  public static synchronized void load() {
    if (loaded) return;
    File dir;
    try {
      dir = Loader.getCacheDir();
    } catch (IOException e) {
      throw new TveException("JavaCPP's cache folder cannot be created (" + e.getMessage() + "); set org.bytedeco.javacpp.cachedir", e);
    }
    try (FileChannel ch = FileChannel.open(dir.toPath().resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      Loader.load(NativeRuntimeLibrary.class);
      dev.tve.image.OpenCvEnvironment.apply();        // its environment before OpenCV's libraries load
      Loader.load(org.bytedeco.pytorch.global.torch.class);
      Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
      Loader.load(org.bytedeco.opencv.global.opencv_core.class);
      Loader.load(org.bytedeco.opencv.global.opencv_imgproc.class);
      Loader.load(org.bytedeco.opencv.global.opencv_imgcodecs.class);
      dev.tve.kernel.NativeKernel.isAvailable();        // loads libtvekernel, or records why not (the Java reference runs)
      loaded = true;
    } catch (IOException e) {
      throw new TveException("cannot lock " + new File(dir, LOCK) + " (" + e.getMessage() + ")", e);
    }
  }
}
