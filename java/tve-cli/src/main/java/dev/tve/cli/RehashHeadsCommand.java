package dev.tve.cli;

import dev.tve.model.Heads;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve rehash-heads --model DIR}: adds its arrays' SHA-256 to every head card written before head hashes. */
@Command(name = "rehash-heads", mixinStandardHelpOptions = true,
    description = {"Add the SHA-256 of each head's arrays to head cards written before head hashes (checked on every load from then on).",
        "Run it only on a folder whose head arrays are the ones you trust: it records what is there now."})
public final class RehashHeadsCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "The model folder.") Path model;

  @Override
  public Integer call() throws Exception {
    List<String> done = Heads.rehash(model);
    System.out.println(done.isEmpty() ? "every head card of " + model + " has its hashes already" : "re-hashed " + String.join(", ", done) + " in " + model);
    return 0;
  }
}
