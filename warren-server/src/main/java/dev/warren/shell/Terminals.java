package dev.warren.shell;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.SandboxService;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** Opens interactive terminals (PTYs) in running sandboxes, for the dashboard and {@code warren shell}. Thread-safe. */
public final class Terminals {
  static final String ROOT = "/var/lib/warren/pty";

  private final SandboxService sandboxes;
  private final SandboxRuntime runtime;
  private final java.util.Set<Terminal> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public Terminals(SandboxService sandboxes, SandboxRuntime runtime) {
    this.sandboxes = sandboxes;
    this.runtime = runtime;
  }

  /** Closes the terminals of a sandbox that is stopping (they hold its filesystem open). */
  void closeAll(String sandboxId) {
    for (Terminal t : List.copyOf(open)) {
      if (t.sandboxId().equals(sandboxId)) {
        t.close();
      }
    }
  }

  void closeAll() {
    List.copyOf(open).forEach(Terminal::close);
  }

  /**
   * Starts a login shell on a terminal of {@code cols}×{@code rows}; its output goes to
   * {@code output} until it exits, then {@code onExit} gets its status.
   */
  public Terminal open(String sandboxId, int cols, int rows, Consumer<byte[]> output, IntConsumer onExit) {
    if (cols < 1 || cols > 1000) {
      throw ShellException.badInput("cols", "cols must be between 1 and 1000");
    }
    if (rows < 1 || rows > 1000) {
      throw ShellException.badInput("rows", "rows must be between 1 and 1000");
    }
    sandboxes.requireRunning(sandboxId, "open a terminal in");
    String id = Ids.next("pty");
    Guest guest = runtime.guest(sandboxId);
    GuestDir dir = guest.dir(ROOT + "/" + id, true);
    try {
      for (String fifo : List.of("in", "out", "ctl")) {
        dir.mkfifo(fifo);
      }
      long pid = guest.spawn(new ExecSpec(List.of("python3", "/.warren/terminal.py", ROOT + "/" + id, Integer.toString(cols),
          Integer.toString(rows)), Map.of("WARREN_TERMINAL_ID", id), Optional.empty(), new byte[0], Duration.ofSeconds(30), 0));
      OutputStream in;
      try {
        in = dir.openFifoForWriting("in");
      } catch (IOException e) {
        throw new ShellException(Problem.UNAVAILABLE, "cannot open the terminal's input: " + e.getMessage(), e);
      }
      Terminal t = new Terminal(sandboxId, id, dir, guest, pid, in, open::remove);
      open.add(t);
      t.pump(output, onExit);
      return t;
    } catch (RuntimeException e) {
      dir.close();
      throw e;
    }
  }
}
