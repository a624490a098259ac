package dev.tve.api;

import dev.tve.explain.Attribution;
import java.util.List;

/**
 * What {@link Tve} gives for one input image: its name (the path, or the name given with encoded
 * bytes), and either its attributions (every requested head and target, in order) or the reason it
 * could not be read. A bad image never stops a stream of explanations.
 *
 * <pre>{@code
 * tve.explain(Path.of("samples")).forEach(e -> {
 *   if (e.ok()) System.out.println(e.source() + ": " + e.attributions().get(0).targetName());
 *   else System.err.println(e.source() + ": " + e.error());
 * });
 * }</pre>
 *
 * @param source the image's path or name
 * @param attributions one per head and target, empty when the image failed
 * @param error why the image could not be used, or null
 */
public record Explanation(String source, List<Attribution> attributions, String error) {
  /** Copies the list. */
  public Explanation {
    attributions = List.copyOf(attributions);
  }

  /** @return whether the image was explained */
  public boolean ok() {
    return error == null;
  }
}
