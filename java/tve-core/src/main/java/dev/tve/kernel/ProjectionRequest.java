package dev.tve.kernel;

import java.util.Arrays;

/**
 * One projection call: meta-attributions E+ / E- [batch, rows, dim] (either may be null), a head,
 * the targets per image, and the options. Validated in full when built: a bad shape, index or
 * option is an {@link IllegalArgumentException} naming the argument and the shapes, before any
 * native code runs.
 *
 * <pre>{@code
 * ProjectionRequest req = ProjectionRequest.builder(FloatView.of(ePos), FloatView.of(eNeg), 64,
 *         HeadWeights.of(w, b, 1000, 768), Targets.same(64, 3), ProjectionOptions.builder(14).build())
 *     .optRaw(true).optMap(true).build();
 * }</pre>
 *
 * Immutable; may be shared between threads (the views' memory must stay alive while in use).
 */
public final class ProjectionRequest {
  private final FloatView ePos;
  private final FloatView eNeg;
  private final int batch;
  private final HeadWeights head;
  private final Targets targets;
  private final ProjectionOptions options;
  private final boolean wantRaw;
  private final boolean wantMap;

  private ProjectionRequest(Builder b) {
    this.ePos = b.ePos;
    this.eNeg = b.eNeg;
    this.batch = b.batch;
    this.head = b.head;
    this.targets = b.targets;
    this.options = b.options;
    this.wantRaw = b.wantRaw;
    this.wantMap = b.wantMap;
  }

  /**
   * @param ePos E+ [batch, rows, dim], or null
   * @param eNeg E- [batch, rows, dim], or null (not both null)
   */
  public static Builder builder(FloatView ePos, FloatView eNeg, int batch, HeadWeights head, Targets targets,
      ProjectionOptions options) {
    return new Builder(ePos, eNeg, batch, head, targets, options);
  }

  public FloatView ePos() { return ePos; }
  public FloatView eNeg() { return eNeg; }
  public int batch() { return batch; }
  public HeadWeights head() { return head; }
  public Targets targets() { return targets; }
  public ProjectionOptions options() { return options; }
  public boolean wantRaw() { return wantRaw; }
  public boolean wantMap() { return wantMap; }
  public int dim() { return head.dim(); }
  public long rows() { return options.rows(); }
  /** Floats per map: grid * grid. */
  public int patches() { return options.patches(); }
  /** Floats of one output: batch * k * grid * grid. */
  public long outputSize() { return (long) batch * targets.k() * options.patches(); }

  /** Shape of E+ / E- as text, for messages. */
  String eShape() {
    return "[batch=" + batch + ", rows=" + rows() + ", dim=" + dim() + "]";
  }

  /** Builder of {@link ProjectionRequest}. */
  public static final class Builder {
    private final FloatView ePos;
    private final FloatView eNeg;
    private final int batch;
    private final HeadWeights head;
    private final Targets targets;
    private final ProjectionOptions options;
    private boolean wantRaw = true;
    private boolean wantMap = true;

    private Builder(FloatView ePos, FloatView eNeg, int batch, HeadWeights head, Targets targets,
        ProjectionOptions options) {
      this.ePos = ePos;
      this.eNeg = eNeg;
      this.batch = batch;
      this.head = Args.notNull(head, "head");
      this.targets = Args.notNull(targets, "targets");
      this.options = Args.notNull(options, "options");
    }

    /** Whether to return the raw signed map (default true). */
    public Builder optRaw(boolean v) { this.wantRaw = v; return this; }

    /** Whether to return the post-processed map (default true). */
    public Builder optMap(boolean v) { this.wantMap = v; return this; }

    public ProjectionRequest build() {
      if (ePos == null && eNeg == null) throw new IllegalArgumentException("ePos and eNeg are both null: give at least one");
      if (batch < 0) throw new IllegalArgumentException("batch: " + batch + " (need >= 0)");
      if (!wantRaw && !wantMap) throw new IllegalArgumentException("outputs: neither raw nor map requested");
      long want = (long) batch * options.rows() * head.dim();
      String shape = "[batch=" + batch + ", rows=" + options.rows() + " (grid " + options.grid() + " x "
          + options.grid() + ", cls " + options.clsRow() + "), dim=" + head.dim() + "]";
      if (ePos != null && ePos.size() != want) {
        throw new IllegalArgumentException("ePos: " + ePos.size() + " floats, shape " + shape + " needs " + want);
      }
      if (eNeg != null && eNeg.size() != want) {
        throw new IllegalArgumentException("eNeg: " + eNeg.size() + " floats, shape " + shape + " needs " + want);
      }
      if (targets.batch() != batch) {
        throw new IllegalArgumentException("targets: cover " + targets.batch() + " images (k=" + targets.k()
            + ", " + targets.rowsUnsafe().length + " rows) but batch is " + batch);
      }
      int[] rows = targets.rowsUnsafe();
      int[] foils = targets.foilsUnsafe();
      for (int i = 0; i < rows.length; i++) {
        if (rows[i] < 0 || rows[i] >= head.classes()) {
          throw new IllegalArgumentException("targets: class " + rows[i] + " at [image " + i / targets.k()
              + ", target " + i % targets.k() + "] is out of range [0, " + head.classes() + ") of head W [classes="
              + head.classes() + ", dim=" + head.dim() + "]");
        }
        if (foils != null && (foils[i] < Targets.NO_FOIL || foils[i] >= head.classes())) {
          throw new IllegalArgumentException("foils: class " + foils[i] + " at [image " + i / targets.k()
              + ", target " + i % targets.k() + "] is out of range [-1, " + head.classes() + ")");
        }
      }
      return new ProjectionRequest(this);
    }
  }

  @Override
  public String toString() {
    return "ProjectionRequest[E " + eShape() + (ePos == null ? " no E+" : "") + (eNeg == null ? " no E-" : "")
        + ", head [" + head.classes() + ", " + head.dim() + "], k=" + targets.k() + ", " + options
        + ", raw=" + wantRaw + ", map=" + wantMap + "]" + (targets.batch() <= 4 ? " targets=" + Arrays.toString(targets.rowsUnsafe()) : "");
  }
}
