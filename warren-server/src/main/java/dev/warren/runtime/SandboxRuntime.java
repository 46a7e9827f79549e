package dev.warren.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The SPI every isolation technology implements. A sandbox's processes outlive the controller:
 * nothing here holds a sandbox open, and a new instance of the runtime finds running sandboxes
 * through {@link #observe()}. Implementations register by name with {@link Runtimes} (see
 * {@link RuntimeFactory}).
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

  /** Ends every process and releases mounts and network, keeping the sandbox's files. Idempotent. */
  void stop(String id, int slot);

  /** {@link #stop} and removes the sandbox's files. Idempotent. */
  void destroy(String id, int slot);

  /** Sandboxes of this instance the host shows: containers, mounts, namespaces, state dirs. */
  List<Observed> observe();

  /** The running sandbox {@code id}, if its container is running. */
  Optional<RunningSandbox> running(String id);

  /** Where the host sees the sandbox's root filesystem while it runs (its overlay mount). */
  Path rootfs(String id);

  /** Runs a command to completion (or its timeout, when its process group is killed). */
  ExecResult exec(String id, ExecSpec spec);

  /**
   * Starts a process that outlives this call and the controller, in a session of its own, and
   * returns its pid inside the sandbox.
   */
  long spawn(String id, ExecSpec spec);

  /**
   * Opens a directory inside a running sandbox safely (see {@link SandboxDir}), making it and its
   * parents, owned by the sandbox's root, when {@code create}.
   */
  SandboxDir dir(String id, int slot, String absolutePath, boolean create);

  /** SIGKILLs a process tree in the sandbox: the session led by {@code pidInSandbox}. */
  void killSession(String id, long pidInSandbox);

  /** Sends {@code signal} to one process, named by its pid inside the sandbox; false when it is gone. */
  boolean signalPid(String id, long pidInSandbox, int signal);

  /** Sends {@code signal} to the processes of the sandbox whose environment has {@code name=value}. */
  int signalMarked(String id, String name, String value, int signal);

  /**
   * SIGKILLs the processes marked {@code name=value} again every 25 ms, at most {@code rounds}
   * times, until none is left: a process dies a moment after its signal, and one forked while the
   * list was read escapes a pass.
   */
  default void killMarked(String id, String name, String value, int rounds) {
    for (int round = 0; round < rounds && signalMarked(id, name, value, 9) > 0; round++) {
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Opens a TCP connection to {@code 127.0.0.1:port} inside the running sandbox {@code id}: a
   * listener on the sandbox's own loopback, which no one on the host's network or in another
   * sandbox reaches (DevTools, VNC). The channel is connected, in blocking mode, and the caller's to
   * close. A Guest call: nothing above the runtime knows how it gets in.
   *
   * @throws SandboxRuntimeException when the sandbox has no network, or nothing accepts the
   *     connection within {@code timeout}
   */
  java.nio.channels.SocketChannel connect(String id, int port, java.time.Duration timeout);

  /** cgroup figures of a running sandbox, and its disk's when it has one of its own. */
  Optional<Usage> usage(String id);

  /** Host uid that is root inside the sandbox of slot {@code slot}. */
  long rootUid(int slot);

  /**
   * Removes what {@link #init()} made on the host (namespaces, mounts, cgroup parents, network).
   * Every sandbox must have been destroyed first. For teardown and uninstall.
   */
  void uninstall();

  @Override
  void close();
}
