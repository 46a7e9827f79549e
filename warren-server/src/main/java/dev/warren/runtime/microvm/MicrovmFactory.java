package dev.warren.runtime.microvm;

import dev.warren.config.Config;
import dev.warren.runtime.RuntimeContext;
import dev.warren.runtime.RuntimeFactory;
import dev.warren.runtime.SandboxRuntime;

/**
 * Registers QEMU microVMs as the runtime {@code microvm} (a {@link java.util.ServiceLoader}
 * provider, listed in {@code META-INF/services}): each sandbox a {@code -M microvm} virtual machine
 * with its own guest kernel, its disk a qcow2 overlay over its image as a read-only ext4 disk, its
 * commands run by an agent over a virtio serial port. No network device yet. See docs/microvm.md.
 * The only public class of this package.
 */
public final class MicrovmFactory implements RuntimeFactory {

  /** Called by {@link java.util.ServiceLoader}. */
  public MicrovmFactory() {}

  @Override
  public String name() {
    return "microvm";
  }

  @Override
  public SandboxRuntime open(RuntimeContext context) {
    Config config = context.config();
    return new MicrovmRuntime(context.network(), config.dataDir().resolve("microvm"), config.imagesDir().resolve(".microvm"));
  }
}
