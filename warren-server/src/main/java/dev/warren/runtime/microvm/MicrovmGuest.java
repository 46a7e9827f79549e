package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.UnsupportedByRuntimeException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A VM's {@link Guest}: one-shot commands and files ({@link MicrovmFiles}) through its agent. What
 * the agent cannot do yet (spawn, signals, directories, loopback connections) answers 501 naming the runtime; see
 * docs/microvm.md. A view over {@link MicrovmRuntime}, which owns the channels; holds nothing.
 */
record MicrovmGuest(MicrovmRuntime runtime, String sandboxId) implements Guest {

  @Override
  public ExecResult exec(ExecSpec spec) {
    return runtime.channel(sandboxId).exec(spec);
  }

  @Override
  public long spawn(ExecSpec spec) {
    throw unsupported("start processes that outlive a call (shell sessions, terminals, browsers): its guest agent runs one-shot commands only");
  }

  @Override
  public void killSession(long pid) {
    throw unsupported("signal processes");
  }

  @Override
  public boolean signalPid(long pid, int signal) {
    throw unsupported("signal processes");
  }

  @Override
  public int signalMarked(String name, String value, int signal) {
    throw unsupported("signal processes");
  }

  @Override
  public GuestFiles files() {
    return new MicrovmFiles(runtime, sandboxId);
  }

  @Override
  public GuestDir dir(String absolutePath, boolean create) {
    throw unsupported("hold directories open (shell sessions, terminals): its guest agent has no FIFOs or watches over the guest port");
  }

  @Override
  public SocketChannel connect(int port, Duration timeout) {
    throw unsupported("connect to a sandbox's loopback (a VM has no network device yet)");
  }

  private static UnsupportedByRuntimeException unsupported(String what) {
    return new UnsupportedByRuntimeException("microvm", what);
  }
}
