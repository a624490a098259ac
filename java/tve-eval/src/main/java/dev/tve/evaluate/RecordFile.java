package dev.tve.evaluate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON-lines file of records that a run appends to one whole line at a time (written and forced
 * to disk before the next), so a run stopped at any moment loses at most the line being written. On
 * open, a last line without its newline (a write cut short) is cut off; the complete lines before
 * it are kept.
 *
 * <pre>{@code
 * try (RecordFile<ImageRecord> rows = RecordFile.open(out.resolve("rows.jsonl"), ImageRecord.class)) {
 *   Set<String> done = rows.records().stream().map(ImageRecord::key).collect(toSet());
 *   rows.append(record);
 * }
 * }</pre>
 */
public final class RecordFile<T> implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path file;
  private final List<T> records;
  private final FileChannel channel;

  private RecordFile(Path file, List<T> records, FileChannel channel) {
    this.file = file;
    this.records = records;
    this.channel = channel;
  }

  public static <T> RecordFile<T> open(Path file, Class<T> type) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    List<T> records = new ArrayList<>();
    long keep = Files.exists(file) ? parse(Files.readAllBytes(file), file, type, records) : 0;
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    ch.truncate(keep);                                          // a line cut short by a stopped run
    ch.position(keep);
    return new RecordFile<>(file, records, ch);
  }

  /**
   * Reads another run's records without opening the file for writing; a name ending in .gz is gunzipped.
   *
   * @param file a JSON-lines file
   * @param type the record type
   * @return the complete lines' records (a last line cut short is left out)
   * @throws IOException when the file cannot be read or a complete line is not a record
   */
  public static <T> List<T> read(Path file, Class<T> type) throws IOException {
    byte[] all;
    if (file.getFileName().toString().endsWith(".gz")) {
      try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
        all = in.readAllBytes();
      }
    } else {
      all = Files.readAllBytes(file);
    }
    List<T> records = new ArrayList<>();
    parse(all, file, type, records);
    return records;
  }

  /** Parses the complete lines into records; returns the length they span. */
  private static <T> long parse(byte[] all, Path file, Class<T> type, List<T> records) throws IOException {
    long keep = 0;
    int start = 0, lineNo = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] != '\n') continue;
      lineNo++;
      String line = new String(all, start, i - start, StandardCharsets.UTF_8).trim();
      if (!line.isEmpty()) {
        try {
          records.add(JSON.readValue(line, type));
        } catch (IOException e) {
          throw new IOException(file + " line " + lineNo + ": not a " + type.getSimpleName() + " record (" + e.getMessage() + ")", e);
        }
      }
      start = i + 1;
      keep = start;
    }
    return keep;
  }

  /** The records read at open plus those appended since. */
  public List<T> records() { return java.util.Collections.unmodifiableList(records); }

  public Path file() { return file; }

  public synchronized void append(T record) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) channel.write(b);
    channel.force(false);
    records.add(record);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
