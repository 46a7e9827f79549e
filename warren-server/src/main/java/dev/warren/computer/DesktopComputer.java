package dev.warren.computer;

import dev.warren.error.Problem;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.sandbox.Desktop;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Computer use on desktop sandboxes: each request opens its own shared RFB connection to the
 * sandbox's VNC server (inside the sandbox, through the runtime's {@code connect}), runs its
 * actions in order and closes it. Works for every runtime and needs nothing in the image beyond the
 * VNC server the desktop already runs. Thread-safe.
 */
public final class DesktopComputer implements SandboxListener {
  static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final ComputerRunner runner = new ComputerRunner();

  public DesktopComputer(SandboxService sandboxes, SandboxRuntime runtime) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
    sandboxes.addListener(this);
  }

  public ComputerRunner.Outcome run(String sandboxId, ActionParser.Request request) {
    Sandbox s = sandboxes.get(sandboxId);
    if (s.spec().desktop().isEmpty()) {
      throw new ComputerException(Problem.CONFLICT, "sandbox " + s.id() + " has no desktop; ask for one at create: \"desktop\": {\"width\": "
          + "1280, \"height\": 720} (with an image that has Xvfb and x11vnc, e.g. browser)");
    }
    if (s.state() != SandboxState.RUNNING) {
      throw new ComputerException(Problem.CONFLICT, "sandbox " + s.id() + " is " + s.state().wire() + s.stateReason().map(r -> " (" + r + ")")
          .orElse("") + "; start it first");
    }
    try (RfbSurface surface = RfbSurface.open(connect(s), "sandbox " + s.id())) {
      return runner.run(s.id(), surface, request);
    }
  }

  /** The VNC server listens a moment after the sandbox starts: retry until it does. */
  private SocketChannel connect(Sandbox s) {
    long deadline = System.nanoTime() + CONNECT_WAIT.toNanos();
    while (true) {
      try {
        return runtime.guest(s.id()).connect(Desktop.VNC_PORT, Duration.ofSeconds(1));
      } catch (SandboxRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new ComputerException(Problem.UNAVAILABLE, "the VNC server of sandbox " + s.id() + " does not answer on port "
              + Desktop.VNC_PORT + " within " + CONNECT_WAIT.toSeconds() + " s: " + e.getMessage(), e);
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ComputerException(Problem.UNAVAILABLE, "interrupted while connecting to the desktop of " + s.id());
      }
    }
  }

  @Override
  public void stopping(Sandbox sandbox) {
    // a new generation has a new display, its pointer at the centre
    runner.forget(sandbox.id());
  }
}
