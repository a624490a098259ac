package dev.tve.runtime;

import java.util.Locale;

/**
 * The one reader of the engine's settings: a system property {@code tve.a.b} or, when it is unset or
 * blank, the environment variable {@code TVE_A_B} (the property name upper-cased, dots to
 * underscores), unless another variable name is given for historical reasons. Bad values are a
 * {@link TveException} naming the setting.
 *
 * <pre>{@code
 * int threads = Settings.integer("tve.torch.threads", 1);          // or TVE_TORCH_THREADS
 * Backend b = Settings.choice("tve.kernel.backend", Backend.class, Backend.AUTO);
 * }</pre>
 *
 * <p>Known settings: {@code tve.torch.threads}, {@code tve.blas.threads}, {@code tve.malloc.tune},
 * {@code tve.kernel.backend}, {@code tve.kernel.isa}, {@code tve.kernel.threads},
 * {@code tve.fashion.dir} ({@code TVE_FASHION_MNIST}), {@code tve.home}.
 */
public final class Settings {
  private Settings() {}

  /** @param property a property name such as {@code tve.torch.threads}
   *  @return its environment variable name, {@code TVE_TORCH_THREADS} */
  public static String envName(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /**
   * @param property the system property
   * @param env the environment variable read when the property is unset
   * @return the trimmed value, or null when neither is set
   */
  public static String string(String property, String env) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) v = System.getenv(env);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** @param property the system property (environment: {@link #envName})
   *  @return the trimmed value, or null */
  public static String string(String property) {
    return string(property, envName(property));
  }

  /**
   * @param property the system property (environment: {@link #envName})
   * @param fallback the value when unset
   * @return the integer set, or the fallback
   */
  public static int integer(String property, int fallback) {
    String v = string(property);
    if (v == null) return fallback;
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new TveException(property + "/" + envName(property) + ": '" + v + "' is not an integer", e);
    }
  }

  /**
   * @param property the system property (environment: {@link #envName})
   * @param fallback the value when unset
   * @return true for true/1/yes/on, false for false/0/no/off, else the fallback when unset
   */
  public static boolean flag(String property, boolean fallback) {
    String v = string(property);
    if (v == null) return fallback;
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new TveException(property + "/" + envName(property) + ": '" + v + "' is not true or false");
    };
  }

  /**
   * @param property the system property (environment: {@link #envName})
   * @param type the enum
   * @param fallback the value when unset
   * @param <E> the enum type
   * @return the constant named (case-insensitive), or the fallback
   */
  public static <E extends Enum<E>> E choice(String property, Class<E> type, E fallback) {
    String v = string(property);
    if (v == null) return fallback;
    try {
      return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TveException(property + "/" + envName(property) + ": '" + v + "' is not one of "
          + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
    }
  }
}
