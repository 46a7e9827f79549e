package dev.warren.runtime;

import java.util.List;
import java.util.Optional;

/**
 * The SPI every isolation technology implements: a sandbox's lifecycle, and its {@link Guest}, the
 * only way the layers above reach into it. A sandbox's processes outlive the controller: nothing
 * here holds a sandbox open, and a new instance of the runtime finds running sandboxes through
 * {@link #observe()}. Implementations register by name with {@link Runtimes} (see
 * {@link RuntimeFactory}); what one may lack it says in {@link #capabilities()}.
 *
 * <p>Thread-safe for different sandboxes; the caller serialises lifecycle calls for one sandbox.
 */
public interface SandboxRuntime extends AutoCloseable {

  String name();

  /**
   * Prepares the host once (checks tools, namespaces, cgroups); idempotent.
   *
   * @throws RuntimeUnavailableException saying what is missing and how to fix it
   */
  void init();

  /** Cheap readiness check; empty when usable, else why not. */
  Optional<String> problem();

  /**
   * Boots generation {@code spec.generation()}: mounts the root filesystem, creates the container,
   * wires its network and starts its init. Leftovers of an earlier generation are cleared first.
   */
  RunningSandbox start(StartSpec spec);

  /**
   * Ends every process and releases mounts and network, keeping the sandbox's files. Idempotent;
   * whatever the runtime allotted the sandbox at start it finds again itself.
   */
  void stop(String id);

  /** {@link #stop} and removes the sandbox's files. Idempotent. */
  void destroy(String id);

  /**
   * Freezes every process of the running sandbox {@code id}: they keep their memory, open files and
   * connections and use no CPU until {@link #resume}. Returns once all are frozen. Idempotent. Only
   * runtimes that declare {@link Capability#PAUSE}; the others refuse.
   */
  default void pause(String id) {
    throw new SandboxRuntimeException("the runtime " + name() + " cannot pause sandboxes");
  }

  /** Thaws what {@link #pause} froze. Idempotent: a sandbox that is not frozen (or not running) is left as it is. */
  default void resume(String id) {
    throw new SandboxRuntimeException("the runtime " + name() + " cannot resume sandboxes");
  }

  /** Whether the sandbox's processes are frozen now (false for a runtime without {@link Capability#PAUSE}). */
  default boolean paused(String id) {
    return false;
  }

  /**
   * Replaces the environment of every process started in the running sandbox {@code id} from now
   * on (exec, spawn: sessions, terminals, browsers), as {@link StartSpec#env} would have set it at
   * its start; the processes running already keep theirs. Lasts until its next start, which takes
   * the environment of its {@link StartSpec} again, also across controller restarts. For the warm
   * pool: a sandbox started before its caller was known gets the caller's environment when it is
   * handed over. Only runtimes that declare {@link Capability#ENVIRONMENT}.
   */
  default void setEnvironment(String id, java.util.Map<String, String> env) {
    throw new SandboxRuntimeException("the runtime " + name() + " cannot change the environment of a running sandbox");
  }

  /**
   * Begins capturing the changes of the sandbox {@code id} (what it wrote, changed and deleted over
   * its lower layers) at {@code target}, which must not exist yet, as a layer another sandbox's
   * root filesystem can stack ({@link StartSpec#lowers}), deletions and replaced directories kept.
   * The caller then freezes the sandbox and calls {@link LayerCapture#settle}, after which
   * {@code target} is exactly what the sandbox held at that moment, thaws it and calls
   * {@link LayerCapture#finish}. A stopped sandbox (started once, its files kept by {@link #stop})
   * is captured the same way without the freeze: the caller keeps it stopped from here until
   * {@code settle} returns, and the capture finds it as {@link #stop} left it (nothing mounted
   * or started for it, and it stays stopped). What {@code target} becomes is the runtime's choice, told by
   * {@link Lower}: a regular file (a filesystem image, copied whole while the sandbox is frozen) or
   * a directory (a tree, copied while the sandbox runs and brought up to date while it is frozen);
   * its owners are those of {@link LayerCapture#uidBase}. Only runtimes that declare
   * {@link Capability#FILESYSTEM_SNAPSHOT}.
   */
  default LayerCapture captureLayer(String id, java.nio.file.Path target) {
    throw new SandboxRuntimeException("the runtime " + name() + " cannot snapshot the files of sandboxes");
  }

  /** A capture of a sandbox's changes under way ({@link #captureLayer}); each step called once, in order, by one thread. */
  interface LayerCapture {
    /** Brings the capture up to date with the sandbox, which the caller holds frozen. */
    void settle();

    /** The rest, which needs only the copy (the sandbox may run again). */
    void finish();

    /** The host uid that is root in the owners of the captured files ({@link Lower#uidBase}). */
    default long uidBase() {
      return 0;
    }
  }

  /**
   * Merges the layers {@code lowers} (top first, an image's rootfs last) into one layer at
   * {@code target} (which must not exist yet) that stands alone: what a sandbox over them sees,
   * its owners the ids that sandbox sees ({@link Lower#uidBase} 0). A regular file or a directory,
   * as for {@link #captureLayer}.
   */
  default void flattenLayers(List<Lower> lowers, java.nio.file.Path target) {
    throw new SandboxRuntimeException("the runtime " + name() + " cannot flatten layers");
  }

  /** Sandboxes of this instance the host shows: containers, mounts, namespaces, state dirs. */
  List<Observed> observe();

  /** The running sandbox {@code id}, if its container is running (its processes may be frozen: {@link #paused}). */
  Optional<RunningSandbox> running(String id);

  /**
   * The sandbox {@code id} as the layers above reach it: exec, signals, files, loopback. Cheap;
   * the calls fail when it is not running.
   */
  Guest guest(String id);

  /** cgroup figures of a running sandbox, and its disk's when it has one of its own. */
  Optional<Usage> usage(String id);

  /** Where this runtime keeps volumes; empty when it has none (then no sandbox may name one). */
  default Optional<HostVolumes> volumes() {
    return Optional.empty();
  }

  /**
   * How this runtime's guests execute, for runtimes that run virtual machines: {@code kvm} or
   * {@code tcg} (emulation), known once {@link #init()} returned; empty for the others.
   */
  default Optional<String> accel() {
    return Optional.empty();
  }

  /** What this runtime offers beyond the lifecycle and the {@link Guest}. */
  java.util.Set<Capability> capabilities();

  /** What the runtime of the sandbox {@code id} offers (differs from {@link #capabilities()} where runtimes are mixed: {@link RuntimeSet}). */
  default java.util.Set<Capability> capabilities(String id) {
    return capabilities();
  }

  /**
   * Removes what {@link #init()} made on the host (namespaces, mounts, cgroup parents, network).
   * Every sandbox must have been destroyed first. For teardown and uninstall.
   */
  void uninstall();

  @Override
  void close();
}
