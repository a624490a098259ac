package dev.tve.cli;

/** A one-line progress bar on standard error, redrawn at most 4 times a second. */
final class ProgressBar {
  private final String label;
  private long lastDraw;

  ProgressBar(String label) {
    this.label = label;
  }

  void update(long done, long total, String status) {
    long now = System.nanoTime();
    if (done < total && now - lastDraw < 250_000_000L) return;
    lastDraw = now;
    int width = 30, filled = (int) (width * done / Math.max(1, total));
    System.err.printf("\r%s [%s%s] %d/%d %s", label, "#".repeat(filled), " ".repeat(width - filled), done, total, status);
  }

  void done() {
    System.err.println();
  }
}
