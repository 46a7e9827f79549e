package dev.warren.shell;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.events.Events;
import dev.warren.runtime.SandboxRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the sessions' command queues: it queues a command in the session's control
 * FIFO, notices its exit through the files the shell writes, expires it at its timeout, signals
 * it, feeds and closes its stdin, and starts the next one. A command's {@link CommandPhase} says
 * who stores its end. The state of each session's queue is in its {@link LiveSession}
 * ({@code inflight}, {@code trackers}, {@code bySeq}, {@code stdin}).
 *
 * <p>Which thread does what: a submit runs on the caller's thread, holding the session's
 * {@code submit} lock while it numbers and hands over the command; exits are read on the watch's
 * thread ({@link #onEntry}, {@link #recheck}) and stored on a worker thread; timeouts fire on the
 * service's timer and run on a worker; stdin writes run on a platform worker (a write into a full
 * FIFO blocks in the kernel). Every worker is one of its {@link Workers}, ended by
 * {@link #close()}; stdin goes through {@link StdinFeeds}. Whoever sets a tracker's {@code recording} first stores the end, once.
 * Thread-safe. A session holds at most {@code queueMax} commands queued or running (past it a
 * submit is refused with 429).
 */
final class CommandQueue {
  private static final Logger log = LoggerFactory.getLogger(CommandQueue.class);
  /** How long a synchronous submit waits for the end before storing the command as not ended. */
  static final Duration GRACE = Duration.ofMillis(25);

  private final ShellRepository repo;
  private final SandboxRuntime runtime;
  private final Events events;
  private final ScheduledExecutorService timers;
  private final LiveSessions sessions;
  private final Waits waits;
  private final int queueMax;
  private final Workers workers = new Workers();
  private final StdinFeeds stdins = new StdinFeeds(workers);
  private final PausedTime paused;

  /** How long a sandbox has been paused in all, and whether it is now (SandboxService's record). */
  interface PausedTime {
    Duration pausedTime(String sandboxId);

    boolean pausedNow(String sandboxId);
  }

  /** While the sandbox stays paused, a due timeout looks again after at least this long. */
  private static final long PAUSED_RECHECK_MS = 1000;

  CommandQueue(ShellRepository repo, SandboxRuntime runtime, Events events, ScheduledExecutorService timers, LiveSessions sessions,
      Waits waits, int queueMax, PausedTime paused) {
    this.paused = paused;
    this.repo = repo;
    this.runtime = runtime;
    this.events = events;
    this.timers = timers;
    this.sessions = sessions;
    this.waits = waits;
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
  ShellCommand submit(LiveSession ls, String command, Optional<byte[]> stdin, boolean keepStdinOpen, Optional<Duration> timeout,
      Duration wait) {
    String sessionId = ls.id;
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
      c = new ShellCommand(id, sessionId, ls.sandboxId, seq, command, first ? CommandState.RUNNING : CommandState.QUEUED, Optional.empty(),
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
      t = new Tracker(id, seq, sync ? CommandPhase.SUBMITTING : CommandPhase.STORED);
      t.pausedAtStartNanos = paused.pausedTime(ls.sandboxId).toNanos();
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
      workers.platform("stdin-" + id, () -> stdins.write(ls, id, data, false));
    }
    timeout.ifPresent(d -> scheduleExpiry(ls, id, d.toMillis()));
    if (!sync) {
      return c;
    }
    return storeAndWait(ls, t, c, wait);
  }

  private void scheduleExpiry(LiveSession ls, String id, long delayMs) {
    timers.schedule(() -> workers.virtual("timeout-" + id, () -> expire(ls, id)), delayMs, TimeUnit.MILLISECONDS);
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
    stdins.closeNow(ls, t.id);
    if (stored) {
      repo.update(lost);
    } else {
      repo.insert(lost);
    }
    t.phase.set(CommandPhase.STORED);
    t.done.complete(lost);
    return ShellException.notQueued(c.sessionId(), c.id(), why, e);
  }

  /** The synchronous path: one store write when the command ends quickly, two otherwise. */
  private ShellCommand storeAndWait(LiveSession ls, Tracker t, ShellCommand submitted, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    Optional<ShellCommand> ended = awaitQuietly(t.exited, GRACE.compareTo(wait) < 0 ? GRACE : wait);
    if (ended.isPresent() && t.recording.compareAndSet(0, 1)) {
      repo.insert(ended.get());
      t.phase.set(CommandPhase.STORED);
      settle(ls, t, ended.get());
      return ended.get();
    }
    t.phase.set(CommandPhase.STORING);
    try {
      repo.insert(submitted);
    } catch (RuntimeException e) {
      forget(ls, t);
      throw e;
    }
    t.phase.set(CommandPhase.STORED);
    if (t.exited.isDone()) {
      record(ls, t);
    }
    try {
      return waits.await(t.done, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (TimeoutException e) {
      return current(ls, t.id).orElse(submitted);
    }
  }

  /** Waits up to {@code wait} for a command in flight to end; empty when this controller does not track it. */
  Optional<ShellCommand> await(LiveSession ls, String id, ShellCommand c, Duration wait) {
    Tracker t = ls.trackers.get(id);
    if (t == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(waits.await(t.done, wait));
    } catch (TimeoutException e) {
      return Optional.of(current(ls, id).orElse(c));
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
  Optional<ShellCommand> current(LiveSession ls, String id) {
    return Optional.ofNullable(ls.inflight.get(id)).or(() -> repo.command(id));
  }

  // ---- the end of a command, as the shell reports it

  void onEntry(LiveSession ls, String name) {
    if (ls == null) {
      return;
    }
    if (name.equals("ready")) {
      ls.readyPid().ifPresent(ls.ready::complete);
    } else if (name.equals("refused")) {
      ls.refusal().ifPresent(why -> ls.ready.completeExceptionally(new ShellException(dev.warren.error.Problem.UNAVAILABLE, why)));
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
    t.exited.complete(ls.finished(c, exit.get()));
    if (t.stored()) {
      workers.virtual("finish-" + t.id, () -> record(ls, t));
    }
  }

  /**
   * Stores the end (once) and wakes whoever waits. With the store down, whoever waits is answered
   * the end at once (and reads it back from this controller), and it is stored once the store
   * answers again: the end is known, only its record is late (a restart meanwhile reads it again
   * from the shell's exit file).
   */
  private void record(LiveSession ls, Tracker t) {
    ShellCommand done = t.exited.getNow(null);
    if (done == null || !t.recording.compareAndSet(0, 1)) {
      return;
    }
    try {
      repo.update(done);
    } catch (dev.warren.store.StoreException | org.jdbi.v3.core.JdbiException e) {
      ls.inflight.put(t.id, done);
      t.done.complete(done);
      log.warn("the end of command {} is stored once the store answers again: {}", t.id, e.getMessage());
      if (!workers.virtual("store-later-" + t.id, () -> storeLater(ls, t, done))) {
        log.warn("the end of command {} was not stored before the shutdown; the next start reads it from its exit file", t.id);
      }
      return;
    }
    settle(ls, t, done);
  }

  private void storeLater(LiveSession ls, Tracker t, ShellCommand done) {
    while (!ls.closed() && !workers.closed()) {
      try {
        Thread.sleep(250);
        repo.update(done);
      } catch (dev.warren.store.StoreException | org.jdbi.v3.core.JdbiException e) {
        continue;
      } catch (InterruptedException e) {
        return;
      }
      settle(ls, t, done);
      return;
    }
  }

  private void settle(LiveSession ls, Tracker t, ShellCommand done) {
    stdins.closeNow(ls, t.id);
    forget(ls, t);
    t.done.complete(done);
    if (done.shellRestarted()) {
      events.record("session.shell-restarted", ls.id, "command " + t.id + " ended the shell with exit code "
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
      if (ls.inflight.replace(next, c, running) && t.stored()) {
        workers.virtual("running-" + next, () -> repo.markRunning(running));
      }
    }
  }

  // ---- stdin, signals, timeouts

  /** Writes to the command's open stdin; {@code close}: then ends it. */
  void writeStdin(LiveSession ls, String id, byte[] data, boolean close) {
    stdins.write(ls, id, data, close);
  }

  /**
   * Stores the command as signalled and signals its processes (everything it started carries its
   * id). INT, TERM and KILL also interrupt the shell itself, which abandons the rest of the
   * command's script, as Ctrl-C would.
   */
  ShellCommand signal(LiveSession ls, ShellCommand c, String signal, int number) {
    String id = c.id();
    ShellCommand signalled = Optional.ofNullable(ls.inflight.get(id)).orElse(c).signalled(signal);
    ls.inflight.computeIfPresent(id, (k, v) -> signalled);
    repo.update(signalled);
    // interrupt the shell first: it runs its trap once the foreground process it waits for ends,
    // so the rest of the command's script is abandoned instead of going on
    if (c.state() == CommandState.RUNNING && (signal.equals("INT") || signal.equals("TERM") || signal.equals("KILL"))) {
      ls.readyPid().ifPresent(pid -> runtime.guest(ls.sandboxId).signalPid(pid, 2));
    }
    runtime.guest(ls.sandboxId).signalMarked("WARREN_COMMAND_ID", id, number);
    return current(ls, id).orElse(signalled);
  }

  /**
   * The command outlived its timeout: kill what it started, then interrupt, then replace the shell.
   * Time its sandbox spent paused does not count: a timeout due while the sandbox is paused, or
   * after it was, is put off by the paused time not yet added (so a command paused for hours is
   * not killed, and loses no session state, when it resumes).
   */
  private void expire(LiveSession ls, String id) {
    Tracker t = ls.trackers.get(id);
    if (t == null || t.done.isDone() || ls.closed()) {
      return;
    }
    long pausedSince = paused.pausedTime(ls.sandboxId).toNanos() - t.pausedAtStartNanos;
    long owed = pausedSince - t.pausedCreditedNanos;
    boolean pausedNow = paused.pausedNow(ls.sandboxId);
    if (owed > 0 || pausedNow) {
      t.pausedCreditedNanos = pausedSince;
      long delayMs = Math.max(TimeUnit.NANOSECONDS.toMillis(owed), pausedNow ? PAUSED_RECHECK_MS : 1);
      scheduleExpiry(ls, id, delayMs);
      return;
    }
    ShellCommand timedOut = Optional.ofNullable(ls.inflight.get(id)).map(c -> c.signalled("TIMEOUT")).orElse(null);
    if (timedOut != null) {
      ls.inflight.computeIfPresent(id, (k, v) -> timedOut);
      if (t.stored()) {
        repo.update(timedOut);
      }
    }
    // interrupt the shell first (it abandons the script once its foreground process ends), then
    // kill everything the command started
    Optional<Long> pid = ls.readyPid();
    pid.ifPresent(p -> runtime.guest(ls.sandboxId).signalPid(p, 2));
    runtime.guest(ls.sandboxId).signalMarked("WARREN_COMMAND_ID", id, 9);
    if (awaitQuietly(t.done, Duration.ofSeconds(2)).isPresent() || ls.closed() || workers.closed()) {
      return;
    }
    pid.ifPresent(p -> runtime.guest(ls.sandboxId).signalPid(p, 2));
    runtime.guest(ls.sandboxId).signalMarked("WARREN_COMMAND_ID", id, 9);
    if (awaitQuietly(t.done, Duration.ofSeconds(3)).isPresent() || ls.closed() || workers.closed()) {
      return;
    }
    // the shell itself is stuck (a builtin loop that ignores INT): replace it; its state is lost
    log.warn("command {} of session {} ignored its timeout; killing the session's shell", id, ls.id);
    pid.ifPresent(p -> runtime.guest(ls.sandboxId).killSession(p));
    ShellCommand c = ls.inflight.get(id);
    if (c != null && t.recording.compareAndSet(0, 1)) {
      ShellCommand killed = c.finished(137, c.startedAt(), Instant.now(), Math.max(0, ls.out.size(t.seq + ".out")),
          Math.max(0, ls.out.size(t.seq + ".err")), true, true,
          Optional.of("timed out; the session's shell had to be killed and its state was lost"));
      repo.update(killed);
      forget(ls, t);
      t.done.complete(killed);
    }
    sessions.end(ls.id, "its shell was killed after command " + id + " ignored its timeout");
  }

  /** After a controller restart: hand the unfinished commands to the shell again, re-arm timeouts, finish what ended. */
  void recover(LiveSession ls, List<ShellCommand> unfinished) {
    for (ShellCommand c : unfinished) {
      Tracker t = new Tracker(c.id(), c.seq(), CommandPhase.STORED);
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
      c.timeoutMs().ifPresent(ms -> scheduleExpiry(ls, c.id(), Math.max(0, c.submittedAt().toEpochMilli() + ms - System.currentTimeMillis())));
    }
  }
}
