package dev.tve.cli;

/**
 * Progress on standard error: on a terminal a one-line bar redrawn at most 4 times a second;
 * redirected to a file, one plain line every 15 seconds (a log stays readable).
 */
final class ProgressBar {
  private final String label;
  private final boolean terminal = System.console() != null;
  private long lastDraw;
  private boolean drawn;

  ProgressBar(String label) {
    this.label = label;
  }

  synchronized void update(long done, long total, String status) {
    long now = System.nanoTime();
    if (done < total && now - lastDraw < (terminal ? 250_000_000L : 15_000_000_000L)) return;
    lastDraw = now;
    if (terminal) {
      int width = 30, filled = (int) (width * done / Math.max(1, total));
      System.err.printf("\r%s [%s%s] %d/%d %s", label, "#".repeat(filled), " ".repeat(width - filled), done, total, status);
      drawn = true;
    } else {
      System.err.printf("%s %d/%d %s%n", label, done, total, status);
    }
  }

  /** Ends a drawn bar's line, so that a message printed next starts on its own line. */
  synchronized void clear() {
    if (terminal && drawn) System.err.println();
    drawn = false;
  }

  synchronized void done() {
    clear();
  }
}
