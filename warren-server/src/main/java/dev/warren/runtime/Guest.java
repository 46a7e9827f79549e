package dev.warren.runtime;

import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One running sandbox as everything above the runtime reaches it: its processes, its files and its
 * loopback. Nothing here says how the runtime gets in (host descriptors, an agent over FIFOs, a
 * virtio port): a new runtime implements this and {@link SandboxRuntime}, nothing else. Obtained
 * from {@link SandboxRuntime#guest}; cheap to get, holds nothing open itself.
 *
 * <p>Thread-safe. A call on a sandbox that is not running fails with a {@link SandboxRuntimeException}
 * (for files, a {@link GuestFileException}).
 */
public interface Guest {

  String sandboxId();

  /** Runs a command to completion (or its timeout, when its process group is killed). */
  ExecResult exec(ExecSpec spec);

  /**
   * Starts a process that outlives this call and the controller, in a session of its own, and
   * returns its pid inside the sandbox.
   */
  long spawn(ExecSpec spec);

  /** SIGKILLs a process tree: the session led by {@code pid} (a pid inside the sandbox). */
  void killSession(long pid);

  /** Sends {@code signal} to one process, named by its pid inside the sandbox; false when it is gone. */
  boolean signalPid(long pid, int signal);

  /** Sends {@code signal} to the processes whose environment has {@code name=value}; how many got it. */
  int signalMarked(String name, String value, int signal);

  /**
   * SIGKILLs the processes marked {@code name=value} again every 25 ms, at most {@code rounds}
   * times, until none is left: a process dies a moment after its signal, and one forked while the
   * list was read escapes a pass.
   */
  default void killMarked(String name, String value, int rounds) {
    for (int round = 0; round < rounds && signalMarked(name, value, 9) > 0; round++) {
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The sandbox's files by path (the file API). */
  GuestFiles files();

  /**
   * Opens a directory the controller keeps open while it works in it (a session's, a terminal's),
   * making it and its parents when {@code create}. The caller closes it.
   */
  GuestDir dir(String absolutePath, boolean create);

  /**
   * Opens a TCP connection to {@code 127.0.0.1:port} inside the sandbox: a listener on the
   * sandbox's own loopback, which no one on the host's network or in another sandbox reaches
   * (DevTools, VNC). The channel is connected, in blocking mode, and the caller's to close.
   *
   * @throws SandboxRuntimeException when the sandbox has no network, or nothing accepts the
   *     connection within {@code timeout}
   */
  SocketChannel connect(int port, Duration timeout);
}
