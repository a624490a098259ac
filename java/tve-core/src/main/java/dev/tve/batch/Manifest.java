package dev.tve.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run manifest, {@code manifest.jsonl}: one JSON object per input file (its outputs and
 * predictions, or the reason it failed). Opening an existing manifest drops a torn last line (a run
 * killed while appending) and rewrites the file atomically; lines are appended and flushed one at
 * a time, after the files they name are in place, so every line names complete outputs.
 *
 * <pre>{@code
 * try (Manifest m = Manifest.open(out.resolve("manifest.jsonl"))) {
 *   boolean done = m.isDone("samples/a.png");
 *   m.append(entry);
 * }
 * }</pre>
 *
 * One writer thread.
 */
public final class Manifest implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final List<ObjectNode> entries;
  private final java.util.Map<String, ObjectNode> latest = new java.util.HashMap<>();
  private final OutputStream out;

  private Manifest(Path file, List<ObjectNode> entries) throws IOException {
    this.file = file;
    this.entries = entries;
    for (ObjectNode e : entries) latest.put(e.path("file").asText(), e);
    this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  public static ObjectMapper json() {
    return JSON;
  }

  public static Manifest open(Path file) throws IOException {
    List<ObjectNode> entries = new ArrayList<>();
    if (Files.isRegularFile(file)) {
      boolean torn = false;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) continue;
        try {
          JsonNode n = JSON.readTree(line);
          if (n instanceof ObjectNode o && o.hasNonNull("file")) entries.add(o);
          else torn = true;
        } catch (IOException e) {
          torn = true;
        }
      }
      if (torn) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        StringBuilder sb = new StringBuilder();
        for (ObjectNode o : entries) sb.append(JSON.writeValueAsString(o)).append('\n');
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    return new Manifest(file, entries);
  }

  /** Whether {@code key} finished with status ok and its output files are all present. */
  public boolean isDone(String key, Path outDir) {
    ObjectNode e = latest.get(key);
    if (e == null || !"ok".equals(e.path("status").asText())) return false;
    for (JsonNode f : e.path("outputs")) if (!Files.isRegularFile(outDir.resolve(f.asText()))) return false;
    return true;
  }

  /** Entries read at opening and appended since, in order. */
  public List<ObjectNode> entries() {
    return List.copyOf(entries);
  }

  public synchronized void append(ObjectNode entry) throws IOException {
    out.write((JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    entries.add(entry);
    latest.put(entry.path("file").asText(), entry);
  }

  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
