package dev.warren.shell;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.runtime.SandboxRuntime;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands of sessions: submit (queued in the session's FIFO), notice their end through the files
 * the shell writes, read their output from any offset, feed their stdin, signal them, and stop them
 * at their timeout. Thread-safe. A session holds at most {@code queueMax} commands queued or running
 * (past it a submit is refused with 429). The threads it starts around commands are its
 * {@link Workers}, ended by {@link #close()}.
 */
public final class Commands {
  private static final Logger log = LoggerFactory.getLogger(Commands.class);
  static final Map<String, Integer> SIGNALS = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10, "USR2", 12,
      "TERM", 15, "CONT", 18, "STOP", 19);
  /** How long a synchronous submit waits for the end before storing the command as not ended. */
  static final Duration GRACE = Duration.ofMillis(25);

  private final ShellService shells;
  private final ShellRepository repo;
  private final SandboxRuntime runtime;
  private final ScheduledExecutorService timers;
  private final int queueMax;
  private final Workers workers = new Workers();

  Commands(ShellService shells, ShellRepository repo, SandboxRuntime runtime, ScheduledExecutorService timers, int queueMax) {
    this.shells = shells;
    this.repo = repo;
    this.runtime = runtime;
    this.timers = timers;
    this.queueMax = queueMax;
  }

  /** Ends the threads started around commands (bounded); called once the sessions are closed. */
  void close() {
    workers.close(Duration.ofSeconds(5));
  }

  /**
   * Queues {@code command} in the session and waits up to {@code wait} for it to end (zero: not at
   * all). Returns the job as it is then: finished, or still queued or running. The command is
   * stored before this returns.
   */
  public ShellCommand submit(String sandboxId, String sessionId, String command, Optional<byte[]> stdin, boolean keepStdinOpen,
      Optional<Duration> timeout, Duration wait) {
    LiveSession ls = shells.live(sandboxId, sessionId);
    String id = Ids.next("cmd");
    // stdin given in full is a plain file (its end is the file's end); kept open, it is a FIFO
    String stdinMode = keepStdinOpen ? "fifo" : stdin.isPresent() ? "file" : "null";
    boolean sync = !wait.isZero();
    ShellCommand c;
    Tracker t;
    ls.submit.lock();
    try {
      if (ls.inflight.size() >= queueMax) {
        throw ShellException.queueFull(sessionId, ls.inflight.size(), queueMax);
      }
      long seq = ls.seq.incrementAndGet();
      ls.prepare(seq);
      // commands run one at a time in order: with nothing ahead of it, this one runs at once
      boolean first = ls.inflight.isEmpty();
      Instant now = Instant.now();
      c = new ShellCommand(id, sessionId, sandboxId, seq, command, first ? CommandState.RUNNING : CommandState.QUEUED, Optional.empty(),
          stdinMode, timeout.map(Duration::toMillis), now, first ? Optional.of(now) : Optional.empty(), Optional.empty(),
          0, 0, false, false, Optional.empty(), Optional.empty());
      if (stdinMode.equals("file")) {
        ls.dir.write(seq + ".in", stdin.get());
      } else if (stdinMode.equals("fifo")) {
        ls.dir.mkfifo(seq + ".in");
        try {
          ls.stdin.put(id, ls.dir.openFifoForWriting(seq + ".in"));
        } catch (IOException e) {
          throw new ShellException(Problem.UNAVAILABLE, "cannot open the stdin of " + id + ": " + e.getMessage(), e);
        }
      }
      t = new Tracker(id, seq, sync ? Tracker.SUBMITTING : Tracker.STORED);
      if (!sync) {
        repo.insert(c);
      }
      ls.inflight.put(id, c);
      ls.trackers.put(id, t);
      ls.bySeq.put(seq, id);
      try {
        ls.dispatch(seq, id, c.stdinMode(), command.getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        throw notDispatched(ls, t, c, !sync, e);
      }
    } finally {
      ls.submit.unlock();
    }
    long next = c.seq() + 4;
    workers.virtual("prepare-" + sessionId, () -> {
      try {
        ls.prepare(next);
      } catch (RuntimeException e) {
        log.debug("cannot prepare the next commands of {}: {}", sessionId, e.toString());
      }
    });
    if (stdin.isPresent() && keepStdinOpen) {
      byte[] data = stdin.get();
      // a platform thread: a write into a full FIFO blocks in the kernel (a virtual thread would pin its carrier)
      workers.platform("stdin-" + id, () -> writeStdin(ls, id, data, false));
    }
    timeout.ifPresent(d -> timers.schedule(() -> workers.virtual("timeout-" + id, () -> expire(ls, id)), d.toMillis(), TimeUnit.MILLISECONDS));
    if (!sync) {
      return c;
    }
    return storeAndWait(ls, t, c, wait);
  }

  /**
   * The shell never got the command (its control FIFO is full, or gone): the command ends as
   * lost with the reason, instead of staying queued with nothing to run it; the caller gets a 503
   * naming it.
   */
  private ShellException notDispatched(LiveSession ls, Tracker t, ShellCommand c, boolean stored, RuntimeException e) {
    String why = e instanceof dev.warren.host.SyscallException se && se.errno() == dev.warren.host.Syscalls.EAGAIN
        ? "the session's control FIFO is full (" + (ls.inflight.size() - 1) + " commands queued or running ahead of it)"
        : "the session's control FIFO could not be written: " + e.getMessage();
    ShellCommand lost = c.lost("not handed to the session's shell: " + why, 0, 0);
    forget(ls, t);
    OutputStream in = ls.stdin.remove(t.id);
    if (in != null) {
      closeQuietly(in);
    }
    if (stored) {
      repo.update(lost);
    } else {
      repo.insert(lost);
    }
    t.phase.set(Tracker.STORED);
    t.done.complete(lost);
    return ShellException.notQueued(c.sessionId(), c.id(), why, e);
  }

  /** The synchronous path: one store write when the command ends quickly, two otherwise. */
  private ShellCommand storeAndWait(LiveSession ls, Tracker t, ShellCommand submitted, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    Optional<ShellCommand> ended = awaitQuietly(t.exited, GRACE.compareTo(wait) < 0 ? GRACE : wait);
    if (ended.isPresent() && t.recording.compareAndSet(0, 1)) {
      repo.insert(ended.get());
      t.phase.set(Tracker.STORED);
      settle(ls, t, ended.get());
      return ended.get();
    }
    t.phase.set(Tracker.STORING);
    try {
      repo.insert(submitted);
    } catch (RuntimeException e) {
      forget(ls, t);
      throw e;
    }
    t.phase.set(Tracker.STORED);
    if (t.exited.isDone()) {
      record(ls, t);
    }
    try {
      return shells.awaitJob(t.done, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (TimeoutException e) {
      return current(ls, t.id).orElse(submitted);
    }
  }

  private static Optional<ShellCommand> awaitQuietly(CompletableFuture<ShellCommand> f, Duration d) {
    try {
      return Optional.ofNullable(f.get(d.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException e) {
      return Optional.empty();
    }
  }

  /** The command as this controller knows it now: in flight, else as stored. */
  private Optional<ShellCommand> current(LiveSession ls, String id) {
    return Optional.ofNullable(ls.inflight.get(id)).or(() -> repo.command(id));
  }

  private void writeStdin(LiveSession ls, String id, byte[] data, boolean close) {
    OutputStream in = ls.stdin.get(id);
    if (in == null) {
      return;
    }
    try {
      in.write(data);
      in.flush();
    } catch (IOException e) {
      log.debug("stdin of {} closed early: {}", id, e.getMessage());
      close = true;
    }
    if (close) {
      closeStdin(ls, id);
    }
  }

  /**
   * Ends the command's stdin. Closing the FIFO before the shell opened it would lose what is in it
   * (and leave the shell waiting for a writer), so that waits until the shell says it opened it.
   */
  private void closeStdin(LiveSession ls, String id) {
    OutputStream in = ls.stdin.remove(id);
    if (in == null) {
      return;
    }
    ShellCommand c = ls.inflight.get(id);
    if (c != null && !ls.dir.exists(c.seq() + ".in-open")) {
      boolean started = workers.virtual("stdin-close-" + id, () -> {
        for (int i = 0; i < 600_000 / 20 && !ls.closed() && ls.inflight.containsKey(id) && !ls.dir.exists(c.seq() + ".in-open"); i++) {
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        closeQuietly(in);
      });
      if (started) {
        return;
      }
    }
    closeQuietly(in);
  }

  private static void closeQuietly(OutputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  public ShellCommand get(String sandboxId, String sessionId, String id) {
    return repo.command(id).filter(x -> x.sessionId().equals(sessionId) && x.sandboxId().equals(sandboxId))
        .orElseThrow(() -> ShellException.noCommand(sessionId, id));
  }

  public List<ShellCommand> list(String sandboxId, String sessionId, int limit) {
    shells.get(sandboxId, sessionId);
    return repo.commands(sessionId, limit);
  }

  /** Waits up to {@code wait} for the command to end; returns it as it is then. */
  public ShellCommand await(String sandboxId, String sessionId, String id, Duration wait) {
    ShellCommand c = get(sandboxId, sessionId, id);
    if (c.state().done() || wait.isZero()) {
      return c;
    }
    LiveSession ls = shells.live(sandboxId, sessionId);
    Tracker t = ls.trackers.get(id);
    if (t == null) {
      return get(sandboxId, sessionId, id);
    }
    try {
      return shells.awaitJob(t.done, wait);
    } catch (TimeoutException e) {
      return current(ls, id).orElse(c);
    }
  }

  // ---- the end of a command, as the shell reports it

  void onEntry(LiveSession ls, String name) {
    if (ls == null) {
      return;
    }
    if (name.equals("ready")) {
      ls.readyPid().ifPresent(ls.ready::complete);
    } else if (name.endsWith(".exit") && name.length() > 5 && name.chars().limit(name.length() - 5).allMatch(Character::isDigit)) {
      String id = ls.bySeq.get(Long.parseLong(name.substring(0, name.length() - 5)));
      Tracker t = id == null ? null : ls.trackers.get(id);
      if (t != null) {
        ended(ls, t);
      }
    }
  }

  void recheck(LiveSession ls) {
    if (ls == null) {
      return;
    }
    ls.readyPid().ifPresent(ls.ready::complete);
    ls.trackers.values().forEach(t -> ended(ls, t));
  }

  /** Reads the exit file; when complete, hands the end to whoever records it. */
  private void ended(LiveSession ls, Tracker t) {
    if (t.exited.isDone()) {
      return;
    }
    Optional<byte[]> exit = ls.dir.read(t.seq + ".exit", 256).filter(b -> b.length > 0 && b[b.length - 1] == '\n');
    ShellCommand c = ls.inflight.get(t.id);
    if (exit.isEmpty() || c == null) {
      return;
    }
    String[] parts = ShellService.text(exit.get()).strip().split(" ");
    int code = Integer.parseInt(parts[0]);
    Optional<Instant> started = parts.length > 1 ? Optional.of(micros(parts[1])) : Optional.empty();
    Instant end = parts.length > 2 ? micros(parts[2]) : Instant.now();
    boolean restarted = parts.length > 3 && parts[3].equals("shell-restarted");
    ShellCommand done = c.finished(code, started, end, Math.max(0, ls.out.size(t.seq + ".out")), Math.max(0, ls.out.size(t.seq + ".err")),
        restarted || c.shellRestarted(), c.timedOut(), c.reason());
    t.exited.complete(done);
    if (t.phase.get() == Tracker.STORED) {
      workers.virtual("finish-" + t.id, () -> record(ls, t));
    }
  }

  /** Stores the end (once) and wakes whoever waits. */
  private void record(LiveSession ls, Tracker t) {
    ShellCommand done = t.exited.getNow(null);
    if (done == null || !t.recording.compareAndSet(0, 1)) {
      return;
    }
    repo.update(done);
    settle(ls, t, done);
  }

  private void settle(LiveSession ls, Tracker t, ShellCommand done) {
    OutputStream in = ls.stdin.remove(t.id);
    if (in != null) {
      closeQuietly(in);
    }
    forget(ls, t);
    t.done.complete(done);
    if (done.shellRestarted()) {
      shells.events().record("session.shell-restarted", ls.id, "command " + t.id + " ended the shell with exit code "
          + done.exitCode().orElse(-1) + "; a new shell took over its state");
    }
    startNext(ls, t.seq);
  }

  private static void forget(LiveSession ls, Tracker t) {
    ls.inflight.remove(t.id);
    ls.trackers.remove(t.id);
    ls.bySeq.remove(t.seq);
  }

  /**
   * The next command of the session (if queued) starts now that this one ended: the lowest number
   * after it still in flight (a number the shell never got is skipped).
   */
  private void startNext(LiveSession ls, long seq) {
    String next = ls.bySeq.keySet().stream().filter(n -> n > seq).min(Long::compare).map(ls.bySeq::get).orElse(null);
    ShellCommand c = next == null ? null : ls.inflight.get(next);
    Tracker t = next == null ? null : ls.trackers.get(next);
    if (c != null && t != null && c.state() == CommandState.QUEUED) {
      ShellCommand running = c.running(Instant.now());
      if (ls.inflight.replace(next, c, running) && t.phase.get() == Tracker.STORED) {
        workers.virtual("running-" + next, () -> repo.markRunning(running));
      }
    }
  }

  private static Instant micros(String s) {
    long us = Long.parseLong(s);
    return Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000);
  }

  // ---- stdin, signals, timeouts

  public void stdin(String sandboxId, String sessionId, String id, byte[] data, boolean eof) {
    ShellCommand c = get(sandboxId, sessionId, id);
    LiveSession ls = shells.live(sandboxId, sessionId);
    if (!c.stdinMode().equals("fifo")) {
      throw new ShellException(Problem.CONFLICT, "command " + id + " was submitted without open stdin; submit with \"keepStdinOpen\": true");
    }
    if (c.state().done() || !ls.stdin.containsKey(id)) {
      throw new ShellException(Problem.CONFLICT, "the stdin of command " + id + " is closed (" + c.state().wire() + ")");
    }
    writeStdin(ls, id, data, eof);
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
    LiveSession ls = shells.live(sandboxId, sessionId);
    ShellCommand signalled = Optional.ofNullable(ls.inflight.get(id)).orElse(c).signalled(signal);
    ls.inflight.computeIfPresent(id, (k, v) -> signalled);
    repo.update(signalled);
    // interrupt the shell first: it runs its trap once the foreground process it waits for ends,
    // so the rest of the command's script is abandoned instead of going on
    if (c.state() == CommandState.RUNNING && (signal.equals("INT") || signal.equals("TERM") || signal.equals("KILL"))) {
      ls.readyPid().ifPresent(pid -> runtime.signalPid(sandboxId, pid, 2));
    }
    runtime.signalMarked(sandboxId, "WARREN_COMMAND_ID", id, number);
    return current(ls, id).orElse(signalled);
  }

  /** The command outlived its timeout: kill what it started, then interrupt, then replace the shell. */
  private void expire(LiveSession ls, String id) {
    Tracker t = ls.trackers.get(id);
    if (t == null || t.done.isDone() || ls.closed()) {
      return;
    }
    ShellCommand timedOut = Optional.ofNullable(ls.inflight.get(id)).map(c -> c.signalled("TIMEOUT")).orElse(null);
    if (timedOut != null) {
      ls.inflight.computeIfPresent(id, (k, v) -> timedOut);
      if (t.phase.get() == Tracker.STORED) {
        repo.update(timedOut);
      }
    }
    // interrupt the shell first (it abandons the script once its foreground process ends), then
    // kill everything the command started
    Optional<Long> pid = ls.readyPid();
    pid.ifPresent(p -> runtime.signalPid(ls.sandboxId, p, 2));
    runtime.signalMarked(ls.sandboxId, "WARREN_COMMAND_ID", id, 9);
    if (awaitQuietly(t.done, Duration.ofSeconds(2)).isPresent() || ls.closed() || workers.closed()) {
      return;
    }
    pid.ifPresent(p -> runtime.signalPid(ls.sandboxId, p, 2));
    runtime.signalMarked(ls.sandboxId, "WARREN_COMMAND_ID", id, 9);
    if (awaitQuietly(t.done, Duration.ofSeconds(3)).isPresent() || ls.closed() || workers.closed()) {
      return;
    }
    // the shell itself is stuck (a builtin loop that ignores INT): replace it; its state is lost
    log.warn("command {} of session {} ignored its timeout; killing the session's shell", id, ls.id);
    pid.ifPresent(p -> runtime.killSession(ls.sandboxId, p));
    ShellCommand c = ls.inflight.get(id);
    if (c != null && t.recording.compareAndSet(0, 1)) {
      ShellCommand killed = c.finished(137, c.startedAt(), Instant.now(), Math.max(0, ls.out.size(t.seq + ".out")),
          Math.max(0, ls.out.size(t.seq + ".err")), true, true,
          Optional.of("timed out; the session's shell had to be killed and its state was lost"));
      repo.update(killed);
      forget(ls, t);
      t.done.complete(killed);
    }
    shells.repository().session(ls.id).ifPresent(s -> shells.end(s, "its shell was killed after command " + id + " ignored its timeout"));
  }

  // ---- output

  /** A channel on the command's stdout or stderr, positioned by the caller. */
  public FileChannel output(String sandboxId, String sessionId, String id, String stream) {
    if (!stream.equals("stdout") && !stream.equals("stderr")) {
      throw ShellException.badInput("stream", "stream must be stdout or stderr");
    }
    ShellCommand c = get(sandboxId, sessionId, id);
    LiveSession ls = shells.live(sandboxId, sessionId);
    return ls.out.channel(c.seq() + (stream.equals("stdout") ? ".out" : ".err"))
        .orElseThrow(() -> new ShellException(Problem.NOT_FOUND, "the " + stream + " of command " + id + " is gone"));
  }

  /** Up to {@code max} bytes of the command's stdout and stderr from their start. */
  public byte[][] heads(ShellCommand c, int max) {
    LiveSession ls = shells.live(c.sandboxId(), c.sessionId());
    boolean ended = c.state().done();
    byte[] out = ended && c.stdoutBytes() == 0 ? new byte[0] : ls.out.read(c.seq() + ".out", max).orElse(new byte[0]);
    byte[] err = ended && c.stderrBytes() == 0 ? new byte[0] : ls.out.read(c.seq() + ".err", max).orElse(new byte[0]);
    return new byte[][] {out, err};
  }

  /** After a controller restart: hand the unfinished commands to the shell again, re-arm timeouts, finish what ended. */
  void recover(LiveSession ls, List<ShellCommand> unfinished) {
    for (ShellCommand c : unfinished) {
      Tracker t = new Tracker(c.id(), c.seq(), Tracker.STORED);
      ls.inflight.put(c.id(), c);
      ls.trackers.put(c.id(), t);
      ls.bySeq.put(c.seq(), c.id());
      ended(ls, t);
      if (t.exited.isDone()) {
        continue;
      }
      if (c.stdinMode().equals("fifo")) {
        try {
          ls.stdin.put(c.id(), ls.dir.openFifoForWriting(c.seq() + ".in"));
        } catch (IOException | RuntimeException e) {
          log.debug("stdin of {} not reopened: {}", c.id(), e.toString());
        }
      }
      // the shell runs a command number once, so handing it over again is safe
      ls.dispatch(c.seq(), c.id(), c.stdinMode(), c.command().getBytes(StandardCharsets.UTF_8));
      c.timeoutMs().ifPresent(ms -> {
        long left = c.submittedAt().toEpochMilli() + ms - System.currentTimeMillis();
        timers.schedule(() -> workers.virtual("timeout-" + c.id(), () -> expire(ls, c.id())), Math.max(0, left), TimeUnit.MILLISECONDS);
      });
    }
  }
}
