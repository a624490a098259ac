package dev.tve.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The project's version, in one place: Maven writes it into {@code dev/tve/version.properties} at
 * build time, and cards, provenance and {@code tve --version} read it from here.
 *
 * <pre>{@code
 * String v = Version.VERSION;   // e.g. "0.1.0-SNAPSHOT"
 * }</pre>
 */
public final class Version {
  /** The project version this library was built as. */
  public static final String VERSION = read();

  private Version() {}

  private static String read() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
