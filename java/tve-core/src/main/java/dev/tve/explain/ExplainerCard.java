package dev.tve.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a pre-trained explainer is: its sizes, the SHA-256 of the encoder weights it was pre-trained
 * against (loading it beside another encoder is an error), the mask radius, the transfer rule's
 * lambda+ / lambda- with how they were chosen, held-out fit, the classes kept out of its
 * pre-training, training settings, and its own weight hash. JSON beside the weights, written
 * atomically.
 *
 * @param encoderWeightsSha256 SHA-256 of the encoder weights file (or TorchScript file)
 * @param excludedClasses classes whose images were left out of pre-training
 * @param heldOut held-out fit on validation images: r2Keep, r2Remove, cosineKeep, cosineRemove
 */
public record ExplainerCard(String kind, ExplainerNetwork.Config config, String encoderWeightsSha256, int radius,
    double lambdaPos, double lambdaNeg, String lambdaChoice, Map<String, Double> heldOut, List<String> excludedClasses,
    String excludedNote, Map<String, Object> training, String weightsFile, String weightsSha256, String projectVersion) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ExplainerCard withWeights(String file, String sha256) {
    return new ExplainerCard(kind, config, encoderWeightsSha256, radius, lambdaPos, lambdaNeg, lambdaChoice, heldOut, excludedClasses,
        excludedNote, training, file, sha256, projectVersion);
  }

  public ExplainerCard withLambdas(double pos, double neg, String choice) {
    return new ExplainerCard(kind, config, encoderWeightsSha256, radius, pos, neg, choice, heldOut, excludedClasses,
        excludedNote, training, weightsFile, weightsSha256, projectVersion);
  }

  public void write(Path file) throws IOException {
    dev.tve.io.AtomicFiles.writeJson(file, this);
  }

  public static ExplainerCard read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), ExplainerCard.class);
  }
}
