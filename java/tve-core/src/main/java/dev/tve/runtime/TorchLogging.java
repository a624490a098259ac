package dev.tve.runtime;

import java.util.Locale;

/**
 * libtorch's own log lines (c10's logger: e.g. "[W... NNPACK.cpp:56] Could not initialize NNPACK!
 * Reason: Unsupported hardware." on CPUs NNPACK does not support) stay off stderr unless asked: the
 * engine prints nothing of its own, and a library's warnings about the host are not the user's
 * business by default. Setting {@code tve.torch.log} / {@code TVE_TORCH_LOG}: {@code info},
 * {@code warning}, {@code error} or {@code silent} (the default); when it is unset, {@code tve.log} /
 * {@code TVE_LOG} at {@code info} or {@code debug} shows libtorch's info lines too, at {@code warn}
 * its warnings.
 *
 * <pre>{@code
 * TorchLogging.apply();      // NativeLibraries.load() calls it once libtorch is loaded
 * }</pre>
 */
public final class TorchLogging {
  /** c10's levels: messages below the level are not printed. */
  static final int INFO = 0, WARNING = 1, ERROR = 2, SILENT = 3;

  private TorchLogging() {}

  /**
   * Sets libtorch's level from the settings.
   *
   * @return the level set, or -1 when libtorch or the runtime library is not loaded
   */
  public static int apply() {
    int level = configured();
    try {
      return NativeRuntimeLibrary.tve_torch_log_level(level) < 0 ? -1 : level;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return -1;
    }
  }

  /** @return the level the settings ask for */
  public static int configured() {
    String v = Settings.string("tve.torch.log");
    if (v != null && !v.isBlank()) {
      return switch (v.strip().toLowerCase(Locale.ROOT)) {
        case "info", "debug", "trace" -> INFO;
        case "warn", "warning" -> WARNING;
        case "error" -> ERROR;
        case "silent", "off", "none", "fatal" -> SILENT;
        default -> throw new TveException("tve.torch.log/" + Settings.envName("tve.torch.log") + ": '" + v + "' is not info, warning, error or silent");
      };
    }
    String general = Settings.string("tve.log");
    if (general == null) return SILENT;
    return switch (general.strip().toLowerCase(Locale.ROOT)) {
      case "info", "debug", "trace" -> INFO;
      case "warn", "warning" -> WARNING;
      default -> SILENT;
    };
  }
}
