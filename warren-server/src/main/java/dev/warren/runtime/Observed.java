package dev.warren.runtime;

import java.util.Optional;

/**
 * What the host shows of one sandbox of this instance, whether or not the store knows it:
 * a container (with its status and init pid), a mounted root filesystem, a network namespace or a
 * state directory. Reconciliation compares these with the store.
 *
 * @param rootMounted something of the sandbox is mounted (its root filesystem, its disk) or its
 *     disk is still attached to a loop device
 */
public record Observed(String id, Optional<String> containerStatus, Optional<Long> initPid, boolean rootMounted, boolean netns, boolean stateDir) {
  public boolean running() {
    return containerStatus.map(s -> s.equals("running")).orElse(false);
  }
}
