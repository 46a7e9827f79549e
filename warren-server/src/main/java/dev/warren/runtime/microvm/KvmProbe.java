package dev.warren.runtime.microvm;

import dev.warren.host.Tool;
import dev.warren.host.ToolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Whether KVM really runs the guest kernel here: not the device node alone (some hosts expose a
 * /dev/kvm on which stock kernels do not boot) but a real boot of the kernel with no root disk,
 * which ends in its panic within seconds when it works. Stateless; called once at init.
 */
final class KvmProbe {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  private KvmProbe() {}

  static boolean works(Artifacts artifacts) {
    if (!Files.exists(Path.of("/dev/kvm"))) {
      return false;
    }
    try {
      Tool.Result r = Tool.run(List.of(Qemu.BINARY, "-M", "microvm", "-accel", "kvm", "-cpu", "host", "-m", "128M", "-nodefaults",
          "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", artifacts.kernel().toString(),
          "-append", "console=ttyS0 panic=-1"), PROBE_TIMEOUT);
      return r.stdout().contains("Kernel panic");
    } catch (ToolException e) {
      return false;
    }
  }
}
