package dev.tve.api;

/**
 * An encoded image file's bytes (PNG, JPEG, ...) with a name, as Spark's {@code binaryFile} source
 * supplies them (path, content).
 *
 * <pre>{@code
 * List<Explanation> out = tve.explainEncoded(List.of(new EncodedImage("s3://bucket/a.png", bytes)), ExplainOptions.defaults());
 * }</pre>
 *
 * @param name the image's name, used in messages and results
 * @param bytes the encoded file
 */
public record EncodedImage(String name, byte[] bytes) {}
