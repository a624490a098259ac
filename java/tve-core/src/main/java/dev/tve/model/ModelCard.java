package dev.tve.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What a saved model is and how it was made: architecture and sizes, class names, preprocessing,
 * accuracy, hashes of the data and of the weights, seed, training settings. Written as JSON beside
 * the weights (atomically: temp file, then rename).
 */
public record ModelCard(String kind, Architecture architecture, List<String> classes, Map<String, Object> preprocessing,
    Map<String, Double> accuracy, Map<String, String> dataSha256, long seed, String weightsFile, String weightsSha256,
    Map<String, Object> training, String projectVersion) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** This card for other weights. */
  public ModelCard withWeights(String file, String sha256) {
    return new ModelCard(kind, architecture, classes, preprocessing, accuracy, dataSha256, seed, file, sha256, training, projectVersion);
  }

  public void write(Path file) throws IOException {
    dev.tve.io.AtomicFiles.writeJson(file, this);
  }

  public static ModelCard read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), ModelCard.class);
  }

  /** SHA-256 of a file, hex. */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
