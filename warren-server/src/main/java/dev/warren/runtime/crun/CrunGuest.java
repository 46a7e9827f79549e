package dev.warren.runtime.crun;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.GuestFiles;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The crun {@link Guest} of one sandbox: commands through its agent (or crun exec), signals
 * through /proc, files through its root filesystem mount, loopback through its network namespace.
 * A view over {@link CrunRuntime}, which owns everything it uses; thread-safe, holds nothing.
 */
record CrunGuest(CrunRuntime runtime, String sandboxId) implements Guest {

  @Override
  public ExecResult exec(ExecSpec spec) {
    return runtime.exec(sandboxId, spec);
  }

  @Override
  public long spawn(ExecSpec spec) {
    return runtime.spawn(sandboxId, spec);
  }

  @Override
  public void killSession(long pid) {
    runtime.execs().killSession(sandboxId, pid, "-");
  }

  @Override
  public boolean signalPid(long pid, int signal) {
    return runtime.execs().signalPid(sandboxId, pid, signal);
  }

  @Override
  public int signalMarked(String name, String value, int signal) {
    return runtime.execs().signalMarked(sandboxId, name, value, signal);
  }

  @Override
  public GuestFiles files() {
    return runtime.files(sandboxId);
  }

  @Override
  public GuestDir dir(String absolutePath, boolean create) {
    return runtime.dir(sandboxId, absolutePath, create);
  }

  @Override
  public SocketChannel connect(int port, Duration timeout) {
    return runtime.connect(sandboxId, port, timeout);
  }
}
