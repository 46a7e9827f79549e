package dev.warren.runtime;

import java.util.Optional;

/**
 * What the host shows of one sandbox of this instance, whether or not the store knows it:
 * a container (with its status and init pid), a mounted root filesystem, a network namespace, a
 * state directory or cgroups. Reconciliation compares these with the store.
 *
 * @param rootMounted something of the sandbox is mounted (its root filesystem, its disk) or its
 *     disk is still attached to a loop device
 * @param cgroups the sandbox has cgroups (a process may run there that the runtime does not know)
 */
public record Observed(String id, Optional<String> containerStatus, Optional<Long> initPid, boolean rootMounted, boolean netns, boolean stateDir,
    boolean cgroups) {
  /** Its container runs; its processes may be frozen ({@code paused}: see {@link SandboxRuntime#paused}). */
  public boolean running() {
    return containerStatus.map(s -> s.equals("running") || s.equals("paused")).orElse(false);
  }

  /** Whether anything but its files is left: what a stopped sandbox must not hold. */
  public boolean holdsResources() {
    return containerStatus.isPresent() || rootMounted || netns || cgroups;
  }
}
