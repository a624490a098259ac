package dev.tve.model;

import dev.tve.image.Preprocessing;
import java.util.Arrays;

/**
 * What a model's input is, as its card records it: the square side and channels, per-channel mean and
 * std of the normalisation x = (pixel * inputScale - mean) / std, the pixel scale (1: pixels in
 * [0, 1]; 255: in [0, 255]), the channel order, how images are fitted to the side, and the patch grid
 * the maps use (g x g cells; 0 when the card does not say).
 *
 * <pre>{@code
 * Preprocessing pre = model.card().input().preprocessing();
 * }</pre>
 *
 * @param size square input side S
 * @param channels 1 (grey) or 3
 * @param mean per-channel mean, after scaling
 * @param std per-channel standard deviation, after scaling
 * @param inputScale the value of a full-intensity pixel before normalisation
 * @param channelOrder RGB or BGR
 * @param resize stretch or centre crop
 * @param grid the maps' patch grid side g (S divisible by g), 0 when unknown
 */
public record InputSpec(int size, int channels, float[] mean, float[] std, float inputScale, Preprocessing.ChannelOrder channelOrder,
    Preprocessing.Resize resize, int grid) {

  /** Checks the sizes. */
  public InputSpec {
    if (size < 1 || (channels != 1 && channels != 3)) throw new IllegalArgumentException("input: size " + size + ", channels " + channels);
    if (mean == null || std == null || mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException("input: mean and std need one value per channel (" + channels + ")");
    }
    if (grid < 0 || (grid > 0 && size % grid != 0)) throw new IllegalArgumentException("input: grid " + grid + " does not divide the side " + size);
    mean = mean.clone();
    std = std.clone();
    if (channelOrder == null) channelOrder = Preprocessing.ChannelOrder.RGB;
    if (resize == null) resize = Preprocessing.Resize.STRETCH;
    if (inputScale == 0) inputScale = 1;
  }

  /**
   * @param size square side
   * @param channels 1 or 3
   * @param mean one value for every channel
   * @param std one value for every channel
   * @param grid the maps' grid side
   * @return pixels in [0, 1], RGB, stretched
   */
  public static InputSpec of(int size, int channels, float mean, float std, int grid) {
    float[] m = new float[channels], s = new float[channels];
    Arrays.fill(m, mean);
    Arrays.fill(s, std);
    return new InputSpec(size, channels, m, s, 1f, Preprocessing.ChannelOrder.RGB, Preprocessing.Resize.STRETCH, grid);
  }

  /** @return the per-channel mean (a copy) */
  @Override public float[] mean() { return mean.clone(); }

  /** @return the per-channel std (a copy) */
  @Override public float[] std() { return std.clone(); }

  /** @return the image pipeline that turns a decoded image into this input */
  public Preprocessing preprocessing() {
    return Preprocessing.builder(size, size, channels).optMean(mean).optStd(std).optInputScale(inputScale).optChannelOrder(channelOrder)
        .optResize(resize).build();
  }

  /** @return floats per image, C * S * S */
  public int floats() { return channels * size * size; }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputSpec i && size == i.size && channels == i.channels && Arrays.equals(mean, i.mean) && Arrays.equals(std, i.std)
        && inputScale == i.inputScale && channelOrder == i.channelOrder && resize == i.resize && grid == i.grid;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std) + size * 7 + grid;
  }

  @Override
  public String toString() {
    return "InputSpec[" + channels + "x" + size + "x" + size + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ", scale " + inputScale
        + ", " + channelOrder + ", " + resize + ", grid " + grid + "]";
  }
}
