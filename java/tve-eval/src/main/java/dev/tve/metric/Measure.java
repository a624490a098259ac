package dev.tve.metric;

/**
 * Every quantity {@code tve evaluate} reports, with its name, its category and which way is better.
 *
 * <pre>{@code
 * for (Measure m : Measure.of(Measure.Category.FAITHFULNESS)) System.out.println(m.key() + " " + m.direction().label());
 * }</pre>
 */
public enum Measure {
  DELETION_BLACK("deletion-black", "deletion AUC, black canvas", Category.FAITHFULNESS, Direction.LOWER_IS_BETTER),
  DELETION_ZERO("deletion-zero", "deletion AUC, normalised-zero canvas", Category.FAITHFULNESS, Direction.LOWER_IS_BETTER),
  INSERTION_BLUR("insertion-blur", "insertion AUC from the blurred canvas", Category.FAITHFULNESS, Direction.HIGHER_IS_BETTER),
  FAITHFULNESS_CORRELATION("faithfulness-correlation", "faithfulness correlation (random patch subsets to black)", Category.FAITHFULNESS,
      Direction.HIGHER_IS_BETTER),
  POINTING("pointing", "pointing game hit rate", Category.LOCALISATION, Direction.HIGHER_IS_BETTER),
  RELEVANCE_MASS("relevance-mass", "relevance mass inside the box", Category.LOCALISATION, Direction.HIGHER_IS_BETTER),
  SANITY_RANDOM_HEAD("sanity-random-head", "Spearman with the map for the head with random weights", Category.SANITY, Direction.LOWER_IS_BETTER),
  SANITY_SHUFFLED_LABELS("sanity-shuffled-labels", "Spearman with the map for the head trained on shuffled labels", Category.SANITY,
      Direction.LOWER_IS_BETTER),
  SANITY_RANDOM_ENCODER("sanity-random-encoder", "Spearman with the map for a randomised encoder", Category.SANITY, Direction.LOWER_IS_BETTER),
  AGREEMENT_SPEARMAN("agreement-spearman", "Spearman rank correlation between two methods' maps", Category.AGREEMENT, Direction.NEITHER),
  AGREEMENT_KENDALL("agreement-kendall", "Kendall tau-b between two methods' maps", Category.AGREEMENT, Direction.NEITHER),
  SECONDS_PER_IMAGE("seconds-per-image", "wall seconds per explanation", Category.COST, Direction.LOWER_IS_BETTER),
  FORWARD_PASSES("forward-passes", "forward passes per explanation", Category.COST, Direction.LOWER_IS_BETTER),
  BACKWARD_PASSES("backward-passes", "backward passes per explanation", Category.COST, Direction.LOWER_IS_BETTER);

  public enum Category { FAITHFULNESS, LOCALISATION, SANITY, AGREEMENT, COST }

  private final String key, title;
  private final Category category;
  private final Direction direction;

  Measure(String key, String title, Category category, Direction direction) {
    this.key = key;
    this.title = title;
    this.category = category;
    this.direction = direction;
  }

  public String key() { return key; }
  public String title() { return title; }
  public Category category() { return category; }
  public Direction direction() { return direction; }

  public static java.util.List<Measure> of(Category c) {
    return java.util.Arrays.stream(values()).filter(m -> m.category == c).toList();
  }
}
