package dev.tve.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tve} command line. Only this package prints. */
@Command(name = "tve", mixinStandardHelpOptions = true, versionProvider = TveCommand.VersionProvider.class,
    description = "Explains image classifiers with attribution heatmaps (TVE and classic explainers).",
    subcommands = {ExplainCommand.class, PredictCommand.class, ImportCommand.class, ExportCommand.class, ScenesCommand.class, FaithfulnessCommand.class, ShapleyAgreementCommand.class, EvaluateCommand.class, ProjectCommand.class, EncoderCommand.class, PretrainCommand.class, CalibrateCommand.class, VerifyScoreCommand.class, RobustnessCommand.class, ZooCommand.class, InfoCommand.class, RehashHeadsCommand.class,
        CommandLine.HelpCommand.class})
public final class TveCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** {@code tve --version}: the one version constant. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tve " + dev.tve.runtime.Version.VERSION};
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    // JavaCPP refuses allocations once the process's RSS passes 4 x -Xmx (its default maxPhysicalBytes):
    // libtorch alone takes ~270 MB, so a small heap (-Xmx64m) failed at the first batch. Native memory is
    // bounded by the engine's scopes, not by the Java heap size; the user's -D settings stand.
    if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
    if (System.getProperty("org.bytedeco.javacpp.maxBytes") == null) System.setProperty("org.bytedeco.javacpp.maxBytes", "0");
    // Every command but help and version needs the native libraries: load them under the cache lock first.
    boolean natives = args.length > 0 && !args[0].startsWith("-") && !args[0].equals("help");
    if (natives) dev.tve.api.NativeLibraries.load();
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (tests call this). */
  public static int run(String... args) {
    quietLibraries();
    return execute(configure(new CommandLine(new TveCommand())), args);
  }

  /** Executes a configured command line: its exit code, {@link #OUT_OF_MEMORY} with one line when memory ran out. */
  static int execute(CommandLine cl, String... args) {
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      return outOfMemory(cl.getErr(), args.length > 0 ? args[0] : "", e);
    }
  }

  /** Exit code of a run that ran out of memory: its own, so that it is never read as "some files failed" (1). */
  static final int OUT_OF_MEMORY = 3;

  private static int outOfMemory(java.io.PrintWriter err, String command, OutOfMemoryError e) {
    err.println("tve " + command + ": out of memory (" + e.getMessage() + "); the run stopped. Outputs already written are complete; "
        + "rerun with a larger heap (TVE_JAVA_OPTS=-Xmx2g) or a smaller --batch");
    err.flush();
    return OUT_OF_MEMORY;
  }

  /**
   * The libraries' own messages stay off the CLI's stderr unless asked: SLF4J (slf4j-simple) at WARN
   * unless {@code TVE_LOG} / {@code -Dtve.log} names a level (info, debug) or slf4j's own property is set;
   * OpenCV silent unless {@code OPENCV_LOG_LEVEL} is set (see OpenCvEnvironment).
   */
  static void quietLibraries() {
    String key = "org.slf4j.simpleLogger.defaultLogLevel";
    if (System.getProperty(key) == null) {
      String level = dev.tve.runtime.Settings.string("tve.log");
      System.setProperty(key, level == null || level.isBlank() ? "warn" : level.strip().toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Our conventions on any command: case-insensitive enums; bad input is one line and exit code 2. */
  static CommandLine configure(CommandLine cl) {
    return cl
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler((ex, cmd, parsed) -> {
          for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) return outOfMemory(cmd.getErr(), cmd.getCommandName(), oom);
          }
          // Bad input and unreadable files: one clear line, exit code 2; anything else is a bug.
          // A diverged training run is a failed run, not a bug: one line too, exit code 1.
          boolean badInput = ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
              || ex instanceof UnsupportedOperationException;
          if (!badInput && !(ex instanceof dev.tve.runtime.TrainingDivergedException)) throw ex;
          cmd.getErr().println("tve " + cmd.getCommandName() + ": " + dev.tve.batch.OutputSchema.printable(ex.getMessage()));
          return badInput ? 2 : 1;
        });
  }
}
