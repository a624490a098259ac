package dev.tve.image;

import dev.tve.runtime.NativeRuntimeLibrary;
import dev.tve.runtime.Settings;

/**
 * OpenCV settings that it reads from the process environment once, when its libraries load, set
 * before they load (unless the user set them): {@code OPENCV_IO_MAX_IMAGE_PIXELS}, the pixel cap
 * every OpenCV decoder checks against the size it read itself, before it allocates the pixels (a file
 * whose header our sniffing misreads cannot get past it), and {@code OPENCV_LOG_LEVEL}, silent, since
 * this library prints nothing (set {@code OPENCV_LOG_LEVEL=WARNING} to see OpenCV's messages).
 *
 * <p>The cap is {@code tve.image.maxPixels} ({@code TVE_IMAGE_MAX_PIXELS}), default {@value #DEFAULT_MAX_PIXELS}.
 * Where OpenCV was loaded before this class (by the embedding application), its own environment
 * stands, and the decoder's header check and post-decode check remain.
 *
 * <pre>{@code
 * OpenCvEnvironment.apply();       // ImageDecoder and PngFiles call it before touching OpenCV
 * }</pre>
 */
public final class OpenCvEnvironment {
  /** The default process-wide pixel cap: 64 Mi pixels. */
  public static final long DEFAULT_MAX_PIXELS = 64L << 20;

  private static boolean applied;
  private static long maxPixels = DEFAULT_MAX_PIXELS;
  // Why OpenCV's own cap may not be in force (null: it is); then the decoder refuses what it cannot bound.
  private static String capProblem;

  private OpenCvEnvironment() {}

  /** Sets OpenCV's environment once per process; later calls do nothing. */
  public static synchronized void apply() {
    if (applied) return;
    applied = true;
    String cap = Settings.string("tve.image.maxPixels");
    if (cap != null) {
      try {
        maxPixels = Long.parseLong(cap.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("tve.image.maxPixels: '" + cap + "' is not a number of pixels", e);
      }
      if (maxPixels < 1) throw new IllegalArgumentException("tve.image.maxPixels: " + maxPixels);
    }
    try {
      int set = NativeRuntimeLibrary.tve_setenv_default("OPENCV_IO_MAX_IMAGE_PIXELS", Long.toString(maxPixels));
      NativeRuntimeLibrary.tve_setenv_default("OPENCV_LOG_LEVEL", "SILENT");
      if (set < 0) capProblem = "OPENCV_IO_MAX_IMAGE_PIXELS could not be set";
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      capProblem = "the native runtime library did not load (" + e.getMessage() + "), so OPENCV_IO_MAX_IMAGE_PIXELS was not set";
    }
  }

  /**
   * @return why OpenCV's own pixel cap may not be in force (the decoder then refuses images whose decoded
   *     size it cannot read from their header before decoding), or null when it is
   */
  public static synchronized String capProblem() {
    return capProblem;
  }

  /** @return the process-wide pixel cap (after {@link #apply}) */
  public static synchronized long maxPixels() {
    return maxPixels;
  }
}
