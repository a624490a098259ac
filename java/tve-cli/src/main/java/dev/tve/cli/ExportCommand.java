package dev.tve.cli;

import dev.tve.model.TargetModel;
import dev.tve.model.TorchScriptExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tve export}: a built-in model as TorchScript plus its heads, ready for PyTorch and for tve import. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Export a built-in model as TorchScript: encoder.pt (a ViT exposes tokens(x); a CNN features(x) and from_features(f)), "
        + "each head as .npy arrays with a labels file, and import.txt, the tve import command that reads them back.",
        "  tve export --model zoo/scene-vit --out exported"})
public final class ExportCommand implements Callable<Integer> {
  @Option(names = "--model", description = "A built-in model folder (default: zoo/scene-vit).") Path model;
  @Option(names = "--out", required = true, description = "The folder to write (must not exist).") Path out;

  @Override
  public Integer call() throws Exception {
    Path dir = model != null ? model : ExplainCommand.home().resolve("zoo/scene-vit");
    try (TargetModel m = TargetModel.load(dir)) {
      double diff = TorchScriptExport.write(m, out);
      System.out.printf("exported %s (%s) to %s: embeddings within %.1e of the built-in encoder (tolerance %.0e)%n", dir,
          m.card().architecture().name(), out, diff, TorchScriptExport.TOLERANCE);
      System.out.println("read it back: " + Files.readString(out.resolve("import.txt")).strip());
    }
    return 0;
  }
}
