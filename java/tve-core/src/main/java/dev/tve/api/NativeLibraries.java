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
 * libtvekernel) once per process: first every library folder of their jars is unpacked into JavaCPP's
 * cache, then they are loaded, all under an exclusive lock on the cache folder.
 *
 * <p>Two crashes on a first start made this. JavaCPP unpacks a library when it loads it, so on an
 * empty cache {@code libtorch.so} was loaded before {@code libtorch_cpu.so} was unpacked beside it, and
 * the dynamic loader took the system's {@code libtorch_cpu.so} (a Debian python3-torch, 1.13) instead:
 * SIGSEGV in pthread_mutex_lock, every time on a fresh cache on a machine with that package. And several
 * processes started together (a CLI fan-out, Spark executors on one machine) unpacked the same files at
 * once; one crashed with SIGBUS while another rewrote a library it was mapping. Unpacked whole and
 * under the lock, the first process prepares the cache and the others wait, then only map complete files.
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
      String platform = Loader.getPlatform();
      for (Class<?> c : new Class<?>[] {org.bytedeco.pytorch.global.torch.class, org.bytedeco.openblas.global.openblas_nolapack.class,
          org.bytedeco.opencv.global.opencv_core.class, NativeRuntimeLibrary.class, dev.tve.kernel.NativeKernelLibrary.class}) {
        // The class's package without ".global", then the platform: where its jar keeps its libraries.
        String folder = "/" + c.getPackage().getName().replace(".global", "").replace('.', '/') + "/" + platform + "/";
        Loader.cacheResources(c, folder);
      }
      Loader.load(NativeRuntimeLibrary.class);
      dev.tve.image.OpenCvEnvironment.apply();        // its environment before OpenCV's libraries load
      Loader.load(org.bytedeco.pytorch.global.torch.class);
      dev.tve.runtime.TorchLogging.apply();             // libtorch's own log lines off unless asked
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
