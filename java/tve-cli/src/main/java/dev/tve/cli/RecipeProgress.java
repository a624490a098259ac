package dev.tve.cli;

import dev.tve.evaluate.EvaluationRecipe;
import java.util.HashMap;
import java.util.Map;

/** A recipe's progress as progress bars on stderr, one per label, and its notes as lines on stderr. */
final class RecipeProgress implements EvaluationRecipe.Listener {
  private final Map<String, ProgressBar> bars = new HashMap<>();

  @Override
  public void progress(String label, long done, long total, String status) {
    bars.computeIfAbsent(label, ProgressBar::new).update(done, total, status);
  }

  @Override
  public void done(String label) {
    ProgressBar bar = bars.remove(label);
    if (bar != null) bar.done();
  }

  @Override
  public void note(String line) {
    System.err.println(line);
  }
}
