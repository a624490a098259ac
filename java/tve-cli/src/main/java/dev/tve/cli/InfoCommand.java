package dev.tve.cli;

import dev.tve.kernel.CudaDevices;
import dev.tve.kernel.Isa;
import dev.tve.kernel.NativeKernel;
import dev.tve.kernel.ProjectionEngine;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code tve info}: which projection back ends this machine can run. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the kernel back ends available here.")
public final class InfoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    if (!NativeKernel.isAvailable()) {
      System.out.println("native kernel: NOT loaded (" + NativeKernel.loadError() + "); the Java reference runs");
    } else {
      System.out.println("native kernel: libtvekernel " + NativeKernel.version() + ", " + NativeKernel.defaultThreads()
          + " threads by default");
      StringBuilder isas = new StringBuilder();
      for (Isa isa : new Isa[] {Isa.SCALAR, Isa.AVX2, Isa.AVX512}) {
        if (NativeKernel.supports(isa)) isas.append(isa.name().toLowerCase(java.util.Locale.ROOT)).append(' ');
      }
      System.out.println("cpu paths: " + isas.toString().trim() + " (auto: " + NativeKernel.bestIsa() + ")");
      System.out.println("cuda kernels: " + (NativeKernel.cudaCompiled() ? "compiled in" : "not compiled")
          + ", devices usable: " + NativeKernel.cudaDeviceCount());
    }
    List<CudaDevices.Device> devices = CudaDevices.list();
    if (devices.isEmpty()) System.out.println("cuda presets: no device (" + CudaDevices.unavailableReason() + ")");
    for (CudaDevices.Device d : devices) System.out.println("cuda presets: " + d);
    System.out.println("default engine: " + ProjectionEngine.create().kernel().name());
    return 0;
  }
}
