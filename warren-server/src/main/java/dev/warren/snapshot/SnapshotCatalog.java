package dev.warren.snapshot;

import dev.warren.error.WarrenException;
import dev.warren.sandbox.SnapshotBases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The snapshots in the store and their layers on disk, as sandboxes use them ({@link SnapshotBases}).
 * Thread-safe: {@link #refs} is held while a snapshot or a layer may go (a delete, a sweep) and
 * while a snapshot is leased, a layer installed or a row made ready, so that a snapshot a create
 * holds, or a layer a row is about to name, is never removed under it.
 */
final class SnapshotCatalog implements SnapshotBases {
  final SnapshotRepository repo;
  final LayerStore layers;
  final ReentrantLock refs = new ReentrantLock();
  /** Leases per snapshot id; guarded by {@link #refs}. */
  private final Map<String, Integer> leased = new HashMap<>();

  SnapshotCatalog(SnapshotRepository repo, LayerStore layers) {
    this.repo = repo;
    this.layers = layers;
  }

  /** A made snapshot by id or name, or 404. */
  Snapshot require(String idOrName) {
    return repo.find(idOrName).filter(s -> s.state() == Snapshot.State.READY).orElseThrow(() -> SnapshotException.notFound(idOrName));
  }

  @Override
  public Lease lease(String idOrName) {
    refs.lock();
    try {
      Snapshot s = repo.find(idOrName).filter(x -> x.state() == Snapshot.State.READY).orElseThrow(() -> WarrenException.invalid("snapshot",
          "snapshot '" + SnapshotException.shown(idOrName) + "' does not exist (GET /v1/snapshots lists them)"));
      Base base = base(s);
      leased.merge(s.id(), 1, Integer::sum);
      return new Lease() {
        private boolean closed;

        @Override
        public Base base() {
          return base;
        }

        @Override
        public void close() {
          refs.lock();
          try {
            if (!closed) {
              closed = true;
              leased.computeIfPresent(s.id(), (k, n) -> n == 1 ? null : n - 1);
            }
          } finally {
            refs.unlock();
          }
        }
      };
    } finally {
      refs.unlock();
    }
  }

  /** Whether a create holds the snapshot {@code id} now. Caller holds {@link #refs}. */
  boolean leased(String id) {
    return leased.containsKey(id);
  }

  @Override
  public Base base(String id) {
    return base(repo.find(id).orElseThrow(() -> new SnapshotException(dev.warren.error.Problem.CONFLICT,
        "snapshot " + id + " is gone (its sandboxes cannot start again)")));
  }

  /** The layers a sandbox from {@code s} stacks, top first; standalone when one of them is flattened. */
  Base base(Snapshot s) {
    List<dev.warren.runtime.Lower> chain = new ArrayList<>();
    Snapshot at = s;
    while (true) {
      chain.add(new dev.warren.runtime.Lower(layers.path(at.layer().orElseThrow()), at.layerUidBase()));
      if (at.flattened() || at.parentId().isEmpty()) {
        break;
      }
      Optional<Snapshot> parent = repo.find(at.parentId().get());
      if (parent.isEmpty()) {
        throw new SnapshotException(dev.warren.error.Problem.CONFLICT, "snapshot " + s.id() + " stacks on " + at.parentId().get()
            + ", which is gone");
      }
      at = parent.get();
    }
    return new Base(s.id(), s.image(), s.imageDigest(), chain, at.flattened());
  }
}
