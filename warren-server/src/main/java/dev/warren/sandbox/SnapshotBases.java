package dev.warren.sandbox;

import dev.warren.runtime.Lower;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Snapshots as the sandbox service needs them: what the root filesystem of a sandbox made from one
 * stacks. Implemented by the snapshot package; thread-safe.
 */
public interface SnapshotBases {
  /**
   * The snapshot {@code idOrName}, held for the caller until the lease is closed: it cannot be
   * deleted meanwhile (a create stores its sandbox's row, which then holds it, before closing).
   *
   * @throws SandboxException 400 naming {@code snapshot} when there is no such snapshot
   */
  Lease lease(String idOrName);

  /** The base of the existing snapshot {@code id} (a sandbox's row holds it). */
  Base base(String id);

  /** The snapshot {@code snapshotId}, of image {@code imageName} at {@code imageDigest}: its layers, top first. */
  record Base(String snapshotId, String imageName, String imageDigest, List<Lower> layers, boolean standalone) {
    public Base {
      Objects.requireNonNull(snapshotId, "snapshotId");
      layers = List.copyOf(layers);
    }

    /** The lower layers of a sandbox's root filesystem from this snapshot: its layers, then the image's unless it stands alone. */
    public List<Lower> lowers(Path imageRootfs) {
      if (standalone) {
        return layers;
      }
      List<Lower> all = new java.util.ArrayList<>(layers);
      all.add(Lower.tree(imageRootfs));
      return all;
    }
  }

  /** A held snapshot; {@link #close} is idempotent. */
  interface Lease extends AutoCloseable {
    Base base();

    @Override
    void close();
  }

  /** No snapshots at all (a runtime without them). */
  SnapshotBases NONE = new SnapshotBases() {
    @Override
    public Lease lease(String idOrName) {
      throw SandboxException.invalidField("snapshot", "this Warren keeps no snapshots; leave snapshot out");
    }

    @Override
    public Base base(String id) {
      throw SandboxException.invalidField("snapshot", "this Warren keeps no snapshots");
    }
  };
}
