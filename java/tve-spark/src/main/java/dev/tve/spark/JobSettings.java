package dev.tve.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What a job's tasks need, fixed on the driver and shipped with the tasks: the transformer's
 * parameters and the weight hashes the driver saw.
 *
 * @param modelDir the model folder ("" for the embedded zoo)
 * @param explainerDir its explainer folder ("" for none, or the zoo's with the embedded model)
 * @param modelSha256 the model weights' hash on the driver
 * @param explainerSha256 the explainer weights' hash on the driver ("" when none is opened)
 * @param method the attribution method
 * @param heads the heads (empty: the default head)
 * @param target the target spec
 * @param output the explained output (logit or probability)
 * @param seed the methods' seed
 * @param batchSize images per explainer call
 * @param torchThreads libtorch threads per executor JVM
 * @param contentCol the column of encoded bytes ("" to read pathCol's files)
 * @param pathCol the column naming each image
 * @param overlayDir where executors write overlay PNGs ("" for none)
 * @param headsSha256 every head's weights hash as the driver read it from the model folder (name to hash)
 */
record JobSettings(String modelDir, String explainerDir, String modelSha256, String explainerSha256, String method, List<String> heads,
    String target, String output, long seed, int batchSize, int torchThreads, String contentCol, String pathCol, String overlayDir,
    java.util.TreeMap<String, String> headsSha256) implements Serializable {

  /** One engine per JVM per these (heads included: a head retrained in place is another engine). */
  String engineKey() {
    return modelDir + "|" + explainerDir + "|" + modelSha256 + "|" + explainerSha256 + "|" + torchThreads + "|" + headsSha256;
  }
}
