package dev.tve.kernel;


/**
 * Geometry and post-processing of a projection, with the TVE reference's defaults
 * (lambda+ = lambda- = 1, no [CLS] row, no smoothing, reference normalisation, epsilon 1e-6).
 *
 * <pre>{@code
 * ProjectionOptions opts = ProjectionOptions.builder(14)
 *     .optClsRow(ClsRow.LAST).optSmoothRadius(2).optLambdaNeg(0f).build();
 * }</pre>
 *
 * Immutable; may be shared between threads.
 */
public final class ProjectionOptions {
  private final int grid;
  private final ClsRow clsRow;
  private final float lambdaPos;
  private final float lambdaNeg;
  private final int smoothRadius;
  private final Normalization normalization;
  private final float epsilon;

  private ProjectionOptions(Builder b) {
    this.grid = b.grid;
    this.clsRow = b.clsRow;
    this.lambdaPos = b.lambdaPos;
    this.lambdaNeg = b.lambdaNeg;
    this.smoothRadius = b.smoothRadius;
    this.normalization = b.normalization;
    this.epsilon = b.epsilon;
  }

  /** Options for a {@code grid x grid} patch grid. */
  public static Builder builder(int grid) {
    return new Builder(grid);
  }

  public int grid() { return grid; }
  public ClsRow clsRow() { return clsRow; }
  public float lambdaPos() { return lambdaPos; }
  public float lambdaNeg() { return lambdaNeg; }
  public int smoothRadius() { return smoothRadius; }
  public Normalization normalization() { return normalization; }
  public float epsilon() { return epsilon; }
  /** Patches per map: grid * grid. */
  public int patches() { return grid * grid; }
  /** Rows of E+ / E- per image (patches, plus the [CLS] row if any). */
  public long rows() { return clsRow.rows(grid); }

  @Override
  public String toString() {
    return "grid=" + grid + " cls=" + clsRow + " lambda+=" + lambdaPos + " lambda-=" + lambdaNeg
        + " smooth=" + smoothRadius + " norm=" + normalization + " eps=" + epsilon;
  }

  /** Builder of {@link ProjectionOptions}; {@code opt*} setters have defaults. */
  public static final class Builder {
    private final int grid;
    private ClsRow clsRow = ClsRow.NONE;
    private float lambdaPos = 1f;
    private float lambdaNeg = 1f;
    private int smoothRadius = 0;
    private Normalization normalization = Normalization.REFERENCE;
    private float epsilon = 1e-6f;

    private Builder(int grid) {
      if (grid < 1 || grid > 4096) throw new IllegalArgumentException("grid: " + grid + " (need 1..4096)");
      this.grid = grid;
    }

    public Builder optClsRow(ClsRow v) { this.clsRow = Args.notNull(v, "clsRow"); return this; }

    public Builder optLambdaPos(float v) {
      if (!Float.isFinite(v)) throw new IllegalArgumentException("lambdaPos: " + v + " (need finite)");
      this.lambdaPos = v;
      return this;
    }

    public Builder optLambdaNeg(float v) {
      if (!Float.isFinite(v)) throw new IllegalArgumentException("lambdaNeg: " + v + " (need finite)");
      this.lambdaNeg = v;
      return this;
    }

    public Builder optSmoothRadius(int v) {
      if (v < 0) throw new IllegalArgumentException("smoothRadius: " + v + " (need >= 0)");
      this.smoothRadius = v;
      return this;
    }

    public Builder optNormalization(Normalization v) {
      this.normalization = Args.notNull(v, "normalization");
      return this;
    }

    public Builder optEpsilon(float v) {
      if (!(v >= 0f) || !Float.isFinite(v)) throw new IllegalArgumentException("epsilon: " + v + " (need finite, >= 0)");
      this.epsilon = v;
      return this;
    }

    public ProjectionOptions build() {
      return new ProjectionOptions(this);
    }
  }
}
