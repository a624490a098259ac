package dev.tve.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The run manifest, {@code manifest.jsonl} ({@link OutputSchema}): a header line with the schema
 * version and the run's settings, then one line per input file. A manifest is only ever continued by
 * a run with the same settings: {@link #open} refuses other settings ({@link SettingsMismatchException}
 * names every difference) unless told to start afresh. Lines are appended and flushed one at a time,
 * after the files they name are in place. Opening drops a torn last line (a run killed while
 * appending); closing rewrites the file (temp and rename) when a file got a second line (a failed file
 * retried), so every file has one line, its latest. Only a {@link KeyIndex} stays in memory.
 *
 * <pre>{@code
 * try (Manifest m = Manifest.open(out.resolve("manifest.jsonl"), settings, false)) {
 *   if (m.state(key) != KeyIndex.DONE) m.append(key, line);
 * }
 * }</pre>
 *
 * Thread-safe.
 */
public final class Manifest implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings of an existing manifest differ from this run's. */
  public static final class SettingsMismatchException extends IOException {
    private final List<String> differences;

    SettingsMismatchException(Path file, List<String> differences) {
      super(file + " was written with other settings (" + String.join("; ", differences)
          + "): use another output folder, or recompute everything with --recompute");
      this.differences = List.copyOf(differences);
    }

    /** @return one "name: before -> now" per setting that differs */
    public List<String> differences() {
      return differences;
    }
  }

  private final Path file;
  private final KeyIndex index;
  private final OutputStream out;
  private int lines;                     // entry lines in the file (the header not counted)
  private boolean superseded;            // some key has more than one line

  private Manifest(Path file, KeyIndex index, int lines, boolean superseded) throws IOException {
    this.file = file;
    this.index = index;
    this.lines = lines;
    this.superseded = superseded;
    this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The mapper every line is written with (numbers stay numbers; NaN is refused before it gets here). */
  public static ObjectMapper json() {
    return JSON;
  }

  /**
   * Opens or creates a manifest.
   *
   * @param file the manifest file
   * @param settings this run's settings (compared key by key with the file's header)
   * @param recompute start afresh when the file holds another run's settings (its lines are dropped)
   * @return the manifest
   * @throws SettingsMismatchException when the file's settings differ and {@code recompute} is false
   * @throws IOException when the file cannot be read or written
   */
  public static Manifest open(Path file, Map<String, ?> settings, boolean recompute) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    ObjectNode header = OutputSchema.header(settings);
    KeyIndex index = new KeyIndex();
    if (!Files.isRegularFile(file) || Files.size(file) == 0) {
      writeAtomically(file, List.of(JSON.writeValueAsString(header)).iterator());
      return new Manifest(file, index, 0, false);
    }
    List<String> differences = differences(file, header);
    if (!differences.isEmpty()) {
      if (!recompute) throw new SettingsMismatchException(file, differences);
      writeAtomically(file, List.of(JSON.writeValueAsString(header)).iterator());
      return new Manifest(file, index, 0, false);
    }
    // Index every line (the latest line per key wins); torn or foreign lines make a rewrite.
    int n = 0;
    boolean rewrite = false, superseded = false;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      r.readLine();
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode e = parse(line);
        if (e == null) {
          rewrite = true;
          continue;
        }
        byte before = index.put(KeyIndex.digest(e.path(OutputSchema.FILE).asText()), state(e), n++);
        superseded |= before != KeyIndex.ABSENT;
      }
    }
    if (rewrite || superseded) {
      n = compact(file, index);
      superseded = false;
    }
    return new Manifest(file, index, n, superseded);
  }

  /** The header's settings against this run's, ignoring what may change between runs ({@link OutputSchema#INFORMATIVE}). */
  private static List<String> differences(Path file, ObjectNode header) throws IOException {
    String first;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      first = r.readLine();
    }
    JsonNode old = first == null ? null : parse(first);
    if (old == null || !OutputSchema.SCHEMA.equals(old.path(OutputSchema.SCHEMA_FIELD).asText())) {
      return List.of("no settings recorded (a manifest of tve before schema " + OutputSchema.VERSION + ")");
    }
    if (old.path(OutputSchema.VERSION_FIELD).asInt() != OutputSchema.VERSION) {
      return List.of("schema version " + old.path(OutputSchema.VERSION_FIELD).asInt() + " -> " + OutputSchema.VERSION);
    }
    // Compared as read back from text: a float and a double of one value are one number there.
    JsonNode a = old.path(OutputSchema.SETTINGS), b = JSON.readTree(JSON.writeValueAsString(header)).path(OutputSchema.SETTINGS);
    TreeSet<String> names = new TreeSet<>();
    a.fieldNames().forEachRemaining(names::add);
    b.fieldNames().forEachRemaining(names::add);
    List<String> diff = new ArrayList<>();
    for (String k : names) {
      if (OutputSchema.INFORMATIVE.contains(k)) continue;
      JsonNode x = a.get(k), y = b.get(k);
      if (x == null ? y != null && !y.isNull() : !x.equals(y) && !(x.isNull() && y == null)) {
        diff.add(k + ": " + (x == null ? "(none)" : x.toString()) + " -> " + (y == null ? "(none)" : y.toString()));
      }
    }
    return diff;
  }

  private static JsonNode parse(String line) {
    if (line.isBlank()) return null;
    try {
      JsonNode n = JSON.readTree(line);
      return n instanceof ObjectNode o && (o.hasNonNull(OutputSchema.FILE) || o.has(OutputSchema.SCHEMA_FIELD)) ? o : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static byte state(JsonNode e) {
    return OutputSchema.DONE.equals(e.path(OutputSchema.STATUS).asText()) ? KeyIndex.DONE : KeyIndex.FAILED;
  }

  /** Rewrites the file with each key's latest line only, re-indexing the lines; returns the number of entries. */
  private static int compact(Path file, KeyIndex index) throws IOException {
    int[] kept = {0};
    Path tmp = dev.tve.io.AtomicFiles.tempFor(file);
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      w.write(r.readLine());
      w.write('\n');
      int n = 0;
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode e = parse(line);
        if (e == null) continue;
        long k = KeyIndex.digest(e.path(OutputSchema.FILE).asText());
        if (index.line(k) == n++) {
          w.write(line);
          w.write('\n');
          index.put(k, state(e), kept[0]++);
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return kept[0];
  }

  private static void writeAtomically(Path file, Iterator<String> lines) throws IOException {
    Path tmp = dev.tve.io.AtomicFiles.tempFor(file);
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      while (lines.hasNext()) {
        w.write(lines.next());
        w.write('\n');
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** @return the state of the file with this canonical path: {@link KeyIndex#DONE}, {@link KeyIndex#FAILED} or absent */
  public byte state(String canonical) {
    return state(KeyIndex.digest(canonical));
  }

  /** @return the state of the file with this key ({@link KeyIndex#digest(String)} of its canonical path) */
  public byte state(long id) {
    return index.state(id);
  }

  /**
   * Appends one file's line (its {@link OutputSchema#FILE} is the key) and flushes it.
   *
   * @param entry the line
   * @throws IOException when it cannot be written
   */
  public synchronized void append(ObjectNode entry) throws IOException {
    String key = entry.path(OutputSchema.FILE).asText();
    if (key.isEmpty()) throw new IllegalArgumentException("a manifest line needs its file");
    out.write((JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    superseded |= index.put(KeyIndex.digest(key), state(entry), lines++) != KeyIndex.ABSENT;
  }

  /** @return files with a line */
  public int size() {
    return index.size();
  }

  public Path file() {
    return file;
  }

  /** Closes the file; rewrites it with one line per file when some file got a second line. */
  @Override
  public synchronized void close() throws IOException {
    out.close();
    if (superseded) {
      compact(file, index);
      superseded = false;
    }
  }
}
