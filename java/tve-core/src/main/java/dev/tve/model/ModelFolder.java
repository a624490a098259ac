package dev.tve.model;

import dev.tve.runtime.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A model or explainer folder is closed: every file its cards name resolves inside it, and every name
 * that becomes part of a file name, an output path or a report is a plain name. Model folders come
 * from users and from the network, so a card is untrusted input: a field naming {@code ../..}, an
 * absolute path or a link out of the folder is refused before anything is read, and the error names
 * the card and the field, never the content or the hash of the file it pointed at.
 *
 * <pre>{@code
 * Path weights = ModelFolder.file(dir, cardFile, "weightsFile", card.weightsFile());
 * String head = ModelFolder.name(cardFile, "heads", card.heads().get(0));
 * }</pre>
 */
public final class ModelFolder {
  /** What a name may be: letters, digits, '.', '_', '-', not starting with '.', at most 100 characters. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}");

  private ModelFolder() {}

  /**
   * @param card the card (or other file) that holds the name
   * @param field the field that holds it
   * @param value the name
   * @return the name, checked
   * @throws ModelFileException naming the card and the field when it is not a plain name
   */
  public static String name(Path card, String field, String value) {
    if (value == null || !NAME.matcher(value).matches() || value.contains("..")) {
      throw new ModelFileException(card, "field '" + field + "' holds " + quoted(value) + ", not a plain name (letters, digits, '.', '_', '-'; "
          + "not starting with '.'; at most 100 characters)");
    }
    return value;
  }

  /**
   * The file a card names, inside the folder.
   *
   * @param dir the model or explainer folder
   * @param card the card that names the file
   * @param field the field that names it
   * @param relative the name, relative to the folder
   * @return the file's path (it may not exist: the caller says so)
   * @throws ModelFileException naming the card and the field when the name is absolute, climbs out with
   *     {@code ..}, or leads out of the folder through a link
   * @throws IOException when the folder cannot be resolved
   */
  public static Path file(Path dir, Path card, String field, String relative) throws IOException {
    if (relative == null || relative.isEmpty()) throw new ModelFileException(card, "field '" + field + "' names no file");
    Path rel;
    try {
      rel = Path.of(relative);
    } catch (InvalidPathException e) {
      throw new ModelFileException(card, "field '" + field + "' holds " + quoted(relative) + ", not a file name");
    }
    if (rel.isAbsolute()) throw new ModelFileException(card, "field '" + field + "' names an absolute path; files must be inside the folder");
    for (Path part : rel) {
      if (part.toString().equals("..")) throw new ModelFileException(card, "field '" + field + "' climbs out of the folder with '..'");
    }
    Path base = dir.toAbsolutePath().normalize(), p = base.resolve(rel).normalize();
    if (!p.startsWith(base) || p.equals(base)) throw new ModelFileException(card, "field '" + field + "' names no file inside the folder");
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      Path real;
      try {
        real = p.toRealPath();
      } catch (IOException e) {
        throw new ModelFileException(card, "field '" + field + "' names a link that leads nowhere");
      }
      if (!real.startsWith(base.toRealPath())) throw new ModelFileException(card, "field '" + field + "' names a link out of the folder");
    }
    return p;
  }

  private static String quoted(String v) {
    if (v == null) return "nothing";
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < Math.min(v.length(), 120); i++) {
      char c = v.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : c);
    }
    return b.append(v.length() > 120 ? "...'" : "'").toString();
  }
}
