package dev.tve.spark;

import dev.tve.api.Tve;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;

/**
 * One {@link Tve} per executor JVM and model: opened by the first task that needs it, shared by
 * every task after it (a Tve is thread-safe), closed when the JVM shuts down. Keyed by the model's
 * and the explainer's folders, expected weight hashes and libtorch threads, so two jobs with other
 * models in one JVM get their own.
 */
final class ExecutorEngines {
  private ExecutorEngines() {}

  private static final Map<String, Tve> OPEN = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.values().forEach(Tve::close), "tve-spark-close"));
  }

  /**
   * The engine for these settings, opened once per JVM; its weights are checked against the hashes
   * the driver saw (a differing file on this executor fails the task, and so the job).
   */
  static Tve get(JobSettings s) {
    return OPEN.computeIfAbsent(s.engineKey(), k -> open(s));
  }

  private static Tve open(JobSettings s) {
    Path model = s.modelDir().isEmpty() ? null : locate(s.modelDir());
    Path explainer = s.explainerDir().isEmpty() ? null : locate(s.explainerDir());
    Tve.Builder b = Tve.builder().optTorchThreads(s.torchThreads());
    if (model != null) b.optModel(model).optExplainer(explainer);
    Tve tve = b.build();
    try {
      check("model", model, s.modelSha256(), tve.model().card().weightsSha256());
      if (!s.explainerSha256().isEmpty()) {
        check("explainer", explainer, s.explainerSha256(), tve.explainer() == null ? "(none)" : tve.explainer().card().weightsSha256());
      }
      for (java.util.Map.Entry<String, String> h : s.headsSha256().entrySet()) {
        String got = tve.model().heads().containsKey(h.getKey()) ? tve.model().headSha256(h.getKey()) : "(no such head)";
        check("head '" + h.getKey() + "' of the model", model, h.getValue(), got);
      }
      return tve;
    } catch (RuntimeException e) {
      tve.close();
      throw e;
    }
  }

  private static void check(String what, Path dir, String expected, String actual) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException("tve-spark: the " + what + " at " + (dir == null ? "(embedded zoo)" : dir) + " on executor "
          + host() + " has weights sha256 " + actual + ", the driver's has " + expected + ": ship the same files to every executor");
    }
  }

  /**
   * A model folder on this executor: the path itself (shared storage), else a file shipped with the
   * job under that name ({@code --files}, {@code SparkFiles}), else an archive unpacked into the
   * working directory ({@code --archives model.zip#NAME}).
   */
  static Path locate(String dir) {
    Path p = Path.of(dir);
    List<Path> tried = new ArrayList<>();
    tried.add(p);
    if (Files.isDirectory(p)) return p;
    String name = p.getFileName() == null ? dir : p.getFileName().toString();
    try {
      Path shipped = Path.of(SparkFiles.get(name));
      tried.add(shipped);
      if (Files.isDirectory(shipped)) return shipped;
    } catch (RuntimeException e) {
      // no SparkContext here (a plain JVM): only the path itself and the working directory
    }
    Path unpacked = Path.of(name).toAbsolutePath();
    tried.add(unpacked);
    if (Files.isDirectory(unpacked)) return unpacked;
    throw new IllegalStateException("tve-spark: no model folder " + dir + " on executor " + host() + " (tried " + tried + ")");
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "(unknown host)";
    }
  }
}
