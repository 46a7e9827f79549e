package dev.warren.runtime.crun;

import dev.warren.host.Instance;

/**
 * The host uids of sandboxes: the instance's window holds one range of {@link #PER_SANDBOX} uids
 * per slot, and a sandbox's root is the first of its range. Stateless.
 */
final class Uids {
  static final int PER_SANDBOX = Instance.UIDS_PER_SANDBOX;

  private Uids() {}

  /** The host uid that is root in the sandbox using slot {@code slot}. */
  static long rootUid(Instance instance, int slot) {
    if (slot < 0 || slot >= instance.slots()) {
      throw new IllegalArgumentException("uid slot " + slot + " outside 0.." + (instance.slots() - 1));
    }
    return instance.uidBase() + (long) slot * PER_SANDBOX;
  }
}
