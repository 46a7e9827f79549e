package dev.warren.runtime.crun;

import dev.warren.config.Config;
import dev.warren.runtime.DiskPolicy;
import dev.warren.runtime.RuntimeContext;
import dev.warren.runtime.RuntimeFactory;
import dev.warren.runtime.SandboxRuntime;

/**
 * Registers crun as the runtime {@code crun} (a {@link java.util.ServiceLoader} provider, listed in
 * {@code META-INF/services}): OCI containers, rootfs an overlay over an idmapped golden image,
 * confined by a seccomp filter that refuses what {@code WARREN_SECCOMP_ALLOW} does not re-allow.
 * The only public class of this package.
 */
public final class CrunFactory implements RuntimeFactory {

  /** Called by {@link java.util.ServiceLoader}. */
  public CrunFactory() {}

  @Override
  public String name() {
    return "crun";
  }

  @Override
  public SandboxRuntime open(RuntimeContext context) {
    Config config = context.config();
    return new CrunRuntime(context.instance(), config.dataDir().resolve("sandboxes"), config.dataDir().resolve("helpers"),
        config.crun(), context.network(), config.seccompAllow(), diskPolicy(config));
  }

  /** How sandboxes get their disks (WARREN_DISK_ALLOCATION, WARREN_DISK_POOL, WARREN_MIN_FREE_SPACE, WARREN_DEFAULT_DISK_MB). */
  private static DiskPolicy diskPolicy(Config config) {
    return new DiskPolicy(config.guards().minFreeSpace(), config.reserveDisks(), config.sandboxDefaults().diskMb(), config.diskPool());
  }
}
