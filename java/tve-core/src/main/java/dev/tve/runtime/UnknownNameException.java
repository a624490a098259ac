package dev.tve.runtime;

import java.util.List;

/**
 * A name that is not one of the known ones: a method not in the registry, a head the model does not
 * have. The message lists the names there are.
 *
 * <pre>{@code
 * catch (UnknownNameException e) { System.err.println(e.name() + " is not one of " + e.known()); }
 * }</pre>
 */
public class UnknownNameException extends TveException {
  private static final long serialVersionUID = 1L;
  private final String kind;
  private final String name;
  private final List<String> known;

  /**
   * @param kind what was named ("method", "head")
   * @param name the name given
   * @param known the names there are
   */
  public UnknownNameException(String kind, String name, List<String> known) {
    super(kind + " '" + name + "' is not known; one of " + known);
    this.kind = kind;
    this.name = name;
    this.known = List.copyOf(known);
  }

  /** @return what was named ("method", "head") */
  public String kind() { return kind; }

  /** @return the name given */
  public String name() { return name; }

  /** @return the names there are */
  public List<String> known() { return known; }
}
