package dev.tve.model;

import java.util.Map;

/** An encoder's architecture name and sizes, as the model card records them. */
public record Architecture(String name, int channels, int imageSize, int dim, Map<String, Integer> sizes) {
  public Architecture {
    sizes = Map.copyOf(sizes);
  }

  /** A size by name, or a clear error naming the architecture. */
  public int size(String key) {
    Integer v = sizes.get(key);
    if (v == null) throw new IllegalArgumentException(name + ": no size '" + key + "' in " + sizes);
    return v;
  }
}
