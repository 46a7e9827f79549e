package dev.warren.client;

import java.util.List;
import java.util.Optional;

/**
 * The snapshots of sandboxes' files. Take one with {@link Sandbox#snapshot(String)}, start a
 * sandbox from one with {@link SandboxSpec.Builder#snapshot(String)}. Thread-safe.
 */
public interface Snapshots {

  /** Every snapshot, oldest first. */
  List<SnapshotInfo> list();

  /** The snapshot with this id or name, or empty when there is none. */
  Optional<SnapshotInfo> get(String idOrName);

  /**
   * Deletes the snapshot; false when there was none.
   *
   * @throws ConflictException while a sandbox made from it exists or a snapshot stacks on it
   */
  boolean delete(String idOrName);
}
