package dev.warren.shell;

import dev.warren.error.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Commands of sessions, as the API sees them: submit, look up, wait for, read the output of, feed
 * the stdin of and signal them. Checks the caller's input and finds the session; the session's
 * queue itself (numbering, exits, timeouts, stdin, signals) is owned by {@link CommandQueue}.
 * Thread-safe: holds no state of its own; called on API request threads.
 */
public final class Commands {
  static final Map<String, Integer> SIGNALS = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10, "USR2", 12,
      "TERM", 15, "CONT", 18, "STOP", 19);

  private final LiveSessions sessions;
  private final CommandQueue queue;
  private final ShellRepository repo;

  Commands(LiveSessions sessions, CommandQueue queue, ShellRepository repo) {
    this.sessions = sessions;
    this.queue = queue;
    this.repo = repo;
  }

  /**
   * Queues {@code command} in the session and waits up to {@code wait} for it to end (zero: not at
   * all). Returns the job as it is then: finished, or still queued or running. The command is
   * stored before this returns; 429 when the session's queue is full.
   */
  public ShellCommand submit(String sandboxId, String sessionId, String command, Optional<byte[]> stdin, boolean keepStdinOpen,
      Optional<Duration> timeout, Duration wait) {
    return queue.submit(sessions.live(sandboxId, sessionId), command, stdin, keepStdinOpen, timeout, wait);
  }

  public ShellCommand get(String sandboxId, String sessionId, String id) {
    return repo.command(id).filter(x -> x.sessionId().equals(sessionId) && x.sandboxId().equals(sandboxId))
        .orElseThrow(() -> ShellException.noCommand(sessionId, id));
  }

  public List<ShellCommand> list(String sandboxId, String sessionId, int limit) {
    sessions.session(sandboxId, sessionId);
    return repo.commands(sessionId, limit);
  }

  /** Waits up to {@code wait} for the command to end; returns it as it is then. */
  public ShellCommand await(String sandboxId, String sessionId, String id, Duration wait) {
    ShellCommand c = get(sandboxId, sessionId, id);
    if (c.state().done() || wait.isZero()) {
      return c;
    }
    LiveSession ls = sessions.live(sandboxId, sessionId);
    return queue.await(ls, id, c, wait).orElseGet(() -> get(sandboxId, sessionId, id));
  }

  public void stdin(String sandboxId, String sessionId, String id, byte[] data, boolean eof) {
    ShellCommand c = get(sandboxId, sessionId, id);
    LiveSession ls = sessions.live(sandboxId, sessionId);
    if (!c.stdinMode().equals("fifo")) {
      throw new ShellException(Problem.CONFLICT, "command " + id + " was submitted without open stdin; submit with \"keepStdinOpen\": true");
    }
    if (c.state().done() || !ls.stdin.containsKey(id)) {
      throw new ShellException(Problem.CONFLICT, "the stdin of command " + id + " is closed (" + c.state().wire() + ")");
    }
    queue.writeStdin(ls, id, data, eof);
  }

  /**
   * Signals the command's processes (everything it started carries its id). INT, TERM and KILL
   * also interrupt the shell itself, which abandons the rest of the command's script, as Ctrl-C
   * would.
   */
  public ShellCommand signal(String sandboxId, String sessionId, String id, String signal) {
    Integer number = SIGNALS.get(signal);
    if (number == null) {
      throw ShellException.badInput("signal", "signal must be one of " + String.join(", ", SIGNALS.keySet().stream().sorted().toList()));
    }
    ShellCommand c = get(sandboxId, sessionId, id);
    if (c.state().done()) {
      return c;
    }
    return queue.signal(sessions.live(sandboxId, sessionId), c, signal, number);
  }

  // ---- output

  /** A channel on the command's stdout or stderr, positioned by the caller. */
  public dev.warren.runtime.ReadableFile output(String sandboxId, String sessionId, String id, String stream) {
    if (!stream.equals("stdout") && !stream.equals("stderr")) {
      throw ShellException.badInput("stream", "stream must be stdout or stderr");
    }
    ShellCommand c = get(sandboxId, sessionId, id);
    LiveSession ls = sessions.live(sandboxId, sessionId);
    return ls.out.openAt(c.seq() + (stream.equals("stdout") ? ".out" : ".err"))
        .orElseThrow(() -> new ShellException(Problem.NOT_FOUND, "the " + stream + " of command " + id + " is gone"));
  }

  /** Up to {@code max} bytes of the command's stdout and stderr from their start. */
  public byte[][] heads(ShellCommand c, int max) {
    LiveSession ls = sessions.live(c.sandboxId(), c.sessionId());
    boolean ended = c.state().done();
    byte[] out = ended && c.stdoutBytes() == 0 ? new byte[0] : ls.out.read(c.seq() + ".out", max).orElse(new byte[0]);
    byte[] err = ended && c.stderrBytes() == 0 ? new byte[0] : ls.out.read(c.seq() + ".err", max).orElse(new byte[0]);
    return new byte[][] {out, err};
  }
}
