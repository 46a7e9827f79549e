package dev.warren.snapshot;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.events.Events;
import dev.warren.runtime.Capability;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxSpec;
import dev.warren.sandbox.SnapshotBases;
import dev.warren.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of sandboxes' files and forks. A snapshot is taken with the sandbox's files held still
 * (its lock held; a running sandbox frozen, a stopped one kept stopped): its row is stored saying
 * {@code creating}, its changes are captured into a temporary file (the runtime's choice, see {@link SandboxRuntime#captureLayer}: an image of the sandbox's
 * disk, copied inside the kernel while the sandbox and its filesystem are frozen, or a tree of
 * its changes); once thawed, the copy is renamed to its layer's name (the snapshot's id for an
 * image, the digest for a tree), both written to disk (the layer fsynced, then its directory's
 * entry), and only then the row says {@code ready}. A controller killed in between leaves a row and a copy that {@link #open} removes
 * at the next start, so a snapshot is complete or absent. Thread-safe.
 */
public final class SnapshotService {
  /** The most snapshot layers a sandbox stacks over its image; a snapshot one deeper is flattened into one layer. */
  public static final int MAX_DEPTH = 8;
  public static final int MAX_FORK = 50;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Logger log = LoggerFactory.getLogger(SnapshotService.class);

  private final SnapshotCatalog catalog;
  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final Events events;
  /** Completed once {@link #open} has removed what a killed controller left half made; every call waits for it. */
  private final java.util.concurrent.CompletableFuture<Void> opened = new java.util.concurrent.CompletableFuture<>();
  /** How long a call waits for the start-up work of {@link #open} before answering 503. */
  private static final Duration OPEN_WAIT = Duration.ofSeconds(30);

  private SnapshotService(SnapshotCatalog catalog, SandboxService sandboxes, SandboxRuntime runtime, Events events) {
    this.catalog = catalog;
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    this.events = events;
  }

  /** The snapshots of the store {@code store} with their layers in {@code layersDir}, for the sandbox service to start sandboxes from. */
  public static SnapshotBases bases(Store store, Path layersDir) {
    return new SnapshotCatalog(new SnapshotRepository(store), new LayerStore(layersDir));
  }

  /** The operations on the snapshots of {@code bases} (made by {@link #bases}). */
  public static SnapshotService over(SnapshotBases bases, SandboxService sandboxes, SandboxRuntime runtime, Events events) {
    return new SnapshotService((SnapshotCatalog) bases, sandboxes, runtime, events);
  }

  /**
   * Reconciles the store with the layers directory, once at start-up (see {@link #openInBackground}): snapshots a
   * killed controller left {@code creating} are removed with their copies, and layers no snapshot
   * names (a copy renamed just before the kill) are removed; a snapshot whose layer is missing is
   * reported. Returns what the caller closes to stop the periodic collection of fork snapshots.
   */
  public AutoCloseable open(Duration collectEvery) {
    try {
      catalog.layers.init();
      List<String> ended = catalog.layers.endLeftoverCopies();
      if (!ended.isEmpty()) {
        log.warn("ended {} copies of snapshot layers the previous controller left running when it was killed: {}", ended.size(), ended);
      }
      for (Snapshot s : catalog.repo.all()) {
        if (s.state() == Snapshot.State.CREATING) {
          catalog.repo.delete(s.id());
          events.record("snapshot.undone", s.id(), "the controller stopped while it was being taken of " + s.sandboxId() + "; removed");
          log.warn("snapshot {} of {} was interrupted by a controller restart; removed", s.id(), s.sandboxId());
        } else if (!java.nio.file.Files.exists(catalog.layers.path(s.layer().orElseThrow()))) {
          log.error("snapshot {} names layer {}, which is not in {}: sandboxes from it cannot start", s.id(), s.layer().get(),
              catalog.layers.path(""));
        }
      }
    } catch (RuntimeException | Error e) {
      opened.completeExceptionally(e);
      throw e;
    }
    opened.complete(null);
    try {
      collect();
    } catch (RuntimeException e) {
      // the controller serves anyway; the next collection tries again
      log.error("cannot remove the snapshot layers and copies nothing uses: {}", e.getMessage(), e);
    }
    dev.warren.host.PeriodicTask task = new dev.warren.host.PeriodicTask("snapshot-collector", collectEvery, log,
        "collecting unused fork snapshots", this::collect);
    task.start();
    return task;
  }

  /**
   * {@link #open} on a thread of its own (a restart's start-up does not wait for it: it looks at
   * every process of the host for copies a killed controller left running); calls on snapshots
   * wait for its first part, up to {@link #OPEN_WAIT}. The caller closes what this returns.
   */
  public AutoCloseable openInBackground(Duration collectEvery) {
    java.util.concurrent.atomic.AtomicReference<AutoCloseable> collector = new java.util.concurrent.atomic.AtomicReference<>();
    Thread t = Thread.ofVirtual().name("snapshots-open").start(() -> {
      try {
        collector.set(open(collectEvery));
      } catch (RuntimeException e) {
        log.error("cannot check the snapshots after the start (calls on snapshots answer 503): {}", e.getMessage(), e);
      }
    });
    return () -> {
      t.join(OPEN_WAIT);
      AutoCloseable c = collector.get();
      if (c != null) {
        c.close();
      }
    };
  }

  /** Waits for {@link #open}'s removal of what a killed controller left; 503 when it failed or takes too long. */
  private void awaitOpen() {
    try {
      opened.get(OPEN_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new SnapshotException(Problem.UNAVAILABLE, "the snapshots are still being checked after the controller's start; try again in a moment");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new SnapshotException(Problem.UNAVAILABLE, "the snapshots could not be checked after the controller's start ("
          + e.getCause().getMessage() + "); see the controller's log");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SnapshotException(Problem.UNAVAILABLE, "interrupted while waiting for the snapshots' start-up check");
    }
  }

  /**
   * Removes fork snapshots that no sandbox and no snapshot uses any more, then layers no snapshot
   * names and copies of no snapshot being taken.
   */
  public void collect() {
    awaitOpen();
    List<Sandbox> all = sandboxes.listAsStored(Map.of());
    catalog.refs.lock();
    try {
      List<Snapshot> snapshots = catalog.repo.all();
      for (Snapshot s : snapshots) {
        if (s.origin().equals(Snapshot.FORK) && s.state() == Snapshot.State.READY && users(s, all).isEmpty()
            && catalog.repo.stackedOn(s.id()).isEmpty() && !catalog.leased(s.id())) {
          catalog.repo.delete(s.id());
          events.record("snapshot.collected", s.id(), "the snapshot of fork of " + s.sandboxId() + " is used by no sandbox any more");
        }
      }
      snapshots = catalog.repo.all();
      java.util.Set<String> keep = new java.util.HashSet<>();
      java.util.Set<String> making = new java.util.HashSet<>();
      snapshots.forEach(s -> s.layer().ifPresentOrElse(keep::add, () -> making.add(s.id())));
      List<String> removed = catalog.layers.sweep(keep, making);
      if (!removed.isEmpty()) {
        log.info("removed {} snapshot layers or copies nothing uses: {}", removed.size(), removed);
      }
    } finally {
      catalog.refs.unlock();
    }
  }

  private static List<String> users(Snapshot s, List<Sandbox> all) {
    return all.stream().filter(x -> x.spec().snapshot().filter(s.id()::equals).isPresent()).map(Sandbox::id).toList();
  }

  /**
   * The ready snapshots with every label of {@code labels}: one query. A fork's snapshot is gone
   * from it as soon as the last sandbox using it is deleted ({@link #forkSandboxDeleted}).
   */
  public List<Snapshot> list(Map<String, String> labels) {
    awaitOpen();
    return catalog.repo.ready(labels);
  }

  /**
   * What collects a fork's snapshot when its last sandbox is deleted (rather than at the next
   * periodic collection), so that lists never show a fork snapshot nothing uses; the caller
   * registers it with the sandbox service once.
   */
  public dev.warren.sandbox.SandboxListener forkCollector() {
    return new dev.warren.sandbox.SandboxListener() {
      @Override
      public void deleted(Sandbox sandbox) {
        sandbox.spec().snapshot().ifPresent(id -> forkSandboxDeleted(id));
      }
    };
  }

  /** Collects when {@code snapshotId} is a fork's snapshot; before {@link #open} is done, its first collection will. */
  private void forkSandboxDeleted(String snapshotId) {
    if (opened.isDone() && catalog.repo.find(snapshotId).filter(s -> s.origin().equals(Snapshot.FORK)).isPresent()) {
      collect();
    }
  }

  public Snapshot get(String idOrName) {
    awaitOpen();
    return catalog.require(idOrName);
  }

  /**
   * Takes a snapshot of the running, paused or stopped sandbox {@code sandboxId} (a stopped one
   * stays stopped): 201-worthy when it returns, its row and layer in place. 409 for a sandbox in
   * another state or a name in use.
   */
  public Snapshot create(String sandboxId, Optional<String> name, Map<String, String> labels) {
    awaitOpen();
    name.ifPresent(n -> {
      if (!NAME.matcher(n).matches() || n.startsWith("snap_")) {
        throw WarrenException.invalid("name", "snapshot names are 1-64 letters, digits, '.', '_' or '-', not starting with snap_; got '"
            + SnapshotException.shown(n) + "'");
      }
      if (catalog.repo.nameTaken(n)) {
        throw new SnapshotException(Problem.CONFLICT, "a snapshot is called '" + n + "' already; choose another name or delete it");
      }
    });
    SandboxSpec.checkLabels(labels);
    return take(sandboxId, name, labels, Snapshot.API, made -> {});
  }

  /** Takes a snapshot; {@code whenReady} runs once it is ready, before anything else may collect it ({@link SnapshotCatalog#refs} held). */
  private Snapshot take(String sandboxId, Optional<String> name, Map<String, String> labels, String origin,
      java.util.function.Consumer<Snapshot> whenReady) {
    if (!runtime.capabilities(sandboxId).contains(Capability.FILESYSTEM_SNAPSHOT)) {
      throw new SnapshotException(Problem.CONFLICT, "the runtime of sandbox " + sandboxId + " cannot snapshot sandboxes' files");
    }
    long t0 = System.nanoTime();
    String id = Ids.next("snap");
    Path copy = catalog.layers.temporary(id, "");
    Sandbox source = sandboxes.get(sandboxId);
    // checked again under its lock, where its files are held still
    SandboxService.requireStill(source, "snapshot");
    Optional<Snapshot> parent = source.spec().snapshot().map(catalog.repo::find).flatMap(p -> p);
    int depth = parent.map(p -> p.depth() + 1).orElse(1);
    boolean flatten = depth > MAX_DEPTH;
    Snapshot making = new Snapshot(id, name, Snapshot.State.CREATING, origin, sandboxId, source.spec().image(), source.imageDigest(),
        parent.map(Snapshot::id), flatten, flatten ? 1 : depth, Optional.empty(), 0, labels, Instant.now());
    // stored before the first byte is copied: a copy without its row is a leftover the next start removes
    try {
      catalog.repo.insert(making);
    } catch (RuntimeException e) {
      if (name.isPresent() && catalog.repo.nameTaken(name.get())) {
        throw new SnapshotException(Problem.CONFLICT, "a snapshot is called '" + name.get() + "' already; choose another name or delete it", e);
      }
      throw e;
    }
    long frozenNanos;
    Sandbox held;
    SandboxRuntime.LayerCapture capture;
    try {
      // an image is copied while the sandbox is frozen; a tree is copied while it runs, then brought up to date while it is
      // frozen; a stopped sandbox is held stopped instead, and nothing needs freezing
      capture = runtime.captureLayer(sandboxId, copy);
      long f0 = System.nanoTime();
      held = sandboxes.still(sandboxId, "snapshot", s -> {
        capture.settle();
        return s;
      });
      frozenNanos = System.nanoTime() - f0;
      capture.finish();
    } catch (RuntimeException e) {
      undo(making, copy, e);
      throw e;
    }
    try {
      Path layer = copy;
      long uidBase = capture.uidBase();
      if (making.flattened()) {
        // the changes over the parent's layers and image, merged into one image that stands alone
        layer = catalog.layers.temporary(id, "-flat");
        List<dev.warren.runtime.Lower> lowers = new java.util.ArrayList<>(List.of(new dev.warren.runtime.Lower(copy, uidBase)));
        SnapshotBases.Base parentBase = catalog.base(making.parentId().get());
        lowers.addAll(parentBase.lowers(sandboxes.imageRootfs(making.image(), making.imageDigest())));
        runtime.flattenLayers(lowers, layer);
        catalog.layers.remove(copy);
        uidBase = 0;
      }
      boolean image = java.nio.file.Files.isRegularFile(layer, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      String layerName = image ? id + LayerStore.IMAGE : LayerStore.digest(layer);
      Snapshot ready = making.ready(layerName, image ? LayerStore.imageSize(layer) : LayerStore.size(layer), uidBase);
      // on disk before the row says ready, so that no power cut after the answer leaves a ready row over a torn layer; outside
      // the lock: an image's fsync writes out what the copy left in the page cache
      long s0 = System.nanoTime();
      LayerStore.sync(layer);
      long syncNanos = System.nanoTime() - s0;
      catalog.refs.lock();
      try {
        catalog.layers.install(layer, layerName);
        catalog.repo.markReady(ready);
        whenReady.accept(ready);
      } finally {
        catalog.refs.unlock();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      events.record("snapshot.created", id, "of " + sandboxId + ", " + ready.sizeBytes() + " bytes, depth " + ready.depth()
          + (ready.flattened() ? " (flattened)" : "") + (held.state() == dev.warren.sandbox.SandboxState.STOPPED ? ", stopped" : ", frozen")
          + " " + frozenNanos / 1_000_000 + " ms, written to disk in " + syncNanos / 1_000_000 + " ms", took);
      return ready;
    } catch (RuntimeException e) {
      undo(making, copy, e);
      catalog.layers.remove(catalog.layers.temporary(id, "-flat"));
      throw e;
    }
  }

  /** Removes the row and the copy of a snapshot that could not be taken; what fails too goes on {@code cause}. */
  private void undo(Snapshot row, Path copy, RuntimeException cause) {
    try {
      catalog.layers.remove(copy);
      catalog.repo.delete(row.id());
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** Deletes a snapshot; 409 while a sandbox was made from it or a snapshot stacks on it. Its layer goes when no snapshot names it. */
  public void delete(String idOrName) {
    awaitOpen();
    Snapshot s = catalog.require(idOrName);
    List<Sandbox> all = sandboxes.listAsStored(Map.of());
    catalog.refs.lock();
    try {
      List<String> users = users(s, all);
      if (!users.isEmpty() || catalog.leased(s.id())) {
        throw new SnapshotException(Problem.CONFLICT, "snapshot " + s.id() + " is in use by sandboxes " + (users.isEmpty() ? "being created" : users)
            + "; delete them first");
      }
      List<String> stacked = catalog.repo.stackedOn(s.id());
      if (!stacked.isEmpty()) {
        throw new SnapshotException(Problem.CONFLICT, "snapshots " + stacked + " stack on snapshot " + s.id() + "; delete them first");
      }
      catalog.repo.delete(s.id());
    } finally {
      catalog.refs.unlock();
    }
    events.record("snapshot.deleted", s.id(), s.name().orElse(""));
    collect();
  }

  /** What a fork made: the snapshot its sandboxes start from, and the sandboxes. */
  public record Fork(Snapshot snapshot, List<Sandbox> sandboxes) {}

  /**
   * Snapshots the sandbox {@code sandboxId} and creates {@code count} sandboxes from it, each with
   * the source's spec and {@code labels} added. All or none: when one cannot be created, those made
   * are deleted and the error is thrown. The snapshot is collected once none of them uses it.
   */
  public Fork fork(String sandboxId, int count, Map<String, String> labels) {
    awaitOpen();
    if (count < 1 || count > MAX_FORK) {
      throw WarrenException.invalid("count", "count must be between 1 and " + MAX_FORK + ", got " + count);
    }
    SandboxSpec.checkLabels(labels);
    Sandbox source = sandboxes.get(sandboxId);
    // checked again under its lock, where its files are held still
    SandboxService.requireStill(source, "fork");
    // leased from the moment it is ready until its sandboxes are made: a collection meanwhile (another fork's sandbox
    // deleted, the periodic one) does not take it away
    java.util.concurrent.atomic.AtomicReference<SnapshotBases.Lease> leased = new java.util.concurrent.atomic.AtomicReference<>();
    Snapshot snap = take(sandboxId, Optional.empty(), Map.of(), Snapshot.FORK, made -> leased.set(catalog.lease(made.id())));
    // a volume has one writer: the forks keep the source's read-only volumes, not its read-write ones
    SandboxSpec spec = source.spec().fromSnapshot(snap.id(), labels)
        .withVolumes(source.spec().volumes().stream().filter(dev.warren.runtime.VolumeMount::readOnly).toList());
    try (SnapshotBases.Lease _ = leased.get()) {
      return new Fork(snap, new ForkCreates(sandboxes, spec, count).run());
    } catch (RuntimeException e) {
      // none of its sandboxes is left: neither is the snapshot
      try {
        collect();
      } catch (RuntimeException c) {
        e.addSuppressed(c);
      }
      throw e;
    }
  }
}
