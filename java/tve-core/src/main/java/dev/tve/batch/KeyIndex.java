package dev.tve.batch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a run knows about the files it has seen, in primitive arrays: per key (a 64-bit digest of
 * the canonical path) its state and the manifest line that holds it. 13 bytes a slot at most half
 * full, about 2.6 MB per 100,000 files, where a map of JSON entries took 220 MB: a run's index must
 * not grow the heap with the run.
 *
 * <pre>{@code
 * KeyIndex index = new KeyIndex();
 * long k = KeyIndex.digest("/data/a.png");
 * index.put(k, KeyIndex.DONE, 0);
 * boolean done = index.state(k) == KeyIndex.DONE;
 * }</pre>
 *
 * Thread-safe.
 */
public final class KeyIndex {
  /** No line for the key. */
  public static final byte ABSENT = 0;
  /** The key's last line says done. */
  public static final byte DONE = 1;
  /** The key's last line says failed. */
  public static final byte FAILED = 2;

  private long[] keys = new long[1024];
  private int[] lines = new int[1024];
  private byte[] states = new byte[1024];
  private int size;

  /**
   * The key of a canonical path: the first 8 bytes of its SHA-256 (two different files share a key
   * with probability n^2 / 2^65: about 3e-10 for 10^5 files).
   *
   * @param canonical the canonical path
   * @return its key, never 0
   */
  public static long digest(String canonical) {
    return digest(sha256(canonical));
  }

  /** @return the key of a canonical path from its SHA-256 ({@link #sha256(String)}), never 0 */
  static long digest(byte[] sha256) {
    long k = 0;
    for (int i = 0; i < 8; i++) k = (k << 8) | (sha256[i] & 0xff);
    return k == 0 ? 1 : k;                       // 0 marks an empty slot
  }

  /** @return the SHA-256 of a canonical path: its key and its output names' suffix both come from it */
  static byte[] sha256(String canonical) {
    return sha256().digest(canonical.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @return the key's state: {@link #ABSENT}, {@link #DONE} or {@link #FAILED} */
  public synchronized byte state(long key) {
    int i = slot(key);
    return keys[i] == key ? states[i] : ABSENT;
  }

  /** @return the manifest line of the key's last entry, or -1 */
  public synchronized int line(long key) {
    int i = slot(key);
    return keys[i] == key ? lines[i] : -1;
  }

  /**
   * Records the key's latest entry.
   *
   * @return the state it had before ({@link #ABSENT} when new)
   */
  public synchronized byte put(long key, byte state, int line) {
    if (key == 0) throw new IllegalArgumentException("key 0");
    int i = slot(key);
    byte before = keys[i] == key ? states[i] : ABSENT;
    if (keys[i] != key) {
      keys[i] = key;
      size++;
    }
    states[i] = state;
    lines[i] = line;
    if (size * 2 > keys.length) grow();
    return before;
  }

  /** @return keys held */
  public synchronized int size() {
    return size;
  }

  private int slot(long key) {
    int mask = keys.length - 1, i = (int) (key ^ (key >>> 32)) & mask;
    while (keys[i] != 0 && keys[i] != key) i = (i + 1) & mask;
    return i;
  }

  private void grow() {
    long[] k = keys;
    int[] l = lines;
    byte[] s = states;
    keys = new long[k.length * 2];
    lines = new int[k.length * 2];
    states = new byte[k.length * 2];
    for (int j = 0; j < k.length; j++) {
      if (k[j] == 0) continue;
      int i = slot(k[j]);
      keys[i] = k[j];
      lines[i] = l[j];
      states[i] = s[j];
    }
  }
}
