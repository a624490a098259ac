package dev.tve.kernel;

/** Argument checks shared by the kernel API: bad input is an IllegalArgumentException naming it. */
final class Args {
  private Args() {}

  static <T> T notNull(T value, String name) {
    if (value == null) throw new IllegalArgumentException(name + ": null");
    return value;
  }
}
