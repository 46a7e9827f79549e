package dev.warren.shell;

import dev.warren.runtime.GuestDir;
import dev.warren.runtime.GuestProtocol;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * What the controller keeps open for one session while it runs: the session's directory in the
 * sandbox, the control FIFO (held open, so queued commands survive a shell restart), a watch on
 * the directory, and the futures of commands in flight. Rebuilt from the store and the files after
 * a controller restart. Thread-safe; {@code close()} is idempotent.
 */
final class LiveSession implements AutoCloseable {
  static final String ROOT = "/var/lib/warren/sessions";

  final String id;
  final String sandboxId;
  final long generation;
  final GuestDir dir;
  final GuestDir out;
  final GuestDir.FifoWriter ctl;
  final ReentrantLock submit = new ReentrantLock();
  final AtomicLong seq;
  final CompletableFuture<Long> ready = new CompletableFuture<>();
  /** Commands in flight, by id: their trackers, and the commands as last known. */
  final Map<String, Tracker> trackers = new ConcurrentHashMap<>();
  final Map<String, ShellCommand> inflight = new ConcurrentHashMap<>();
  final Map<String, OutputStream> stdin = new ConcurrentHashMap<>();
  /** Sequence number to command id, for commands in flight (the files are named by number). */
  final Map<Long, String> bySeq = new ConcurrentHashMap<>();
  /** The highest sequence number whose files exist already. */
  private final AtomicLong prepared = new AtomicLong();
  private final ReentrantLock preparing = new ReentrantLock();
  private final GuestDir.Registration watch;
  private final GuestDir.Registration outWatch;
  private final AtomicBoolean closed = new AtomicBoolean();

  LiveSession(String id, String sandboxId, long generation, GuestDir dir, long lastSeq,
      Consumer<String> onEntry, Runnable onOverflow) {
    this.id = id;
    this.sandboxId = sandboxId;
    this.generation = generation;
    this.dir = dir;
    this.seq = new AtomicLong(lastSeq);
    // each step may fail (the sandbox owns these names: a symlink for ctl, a file for out): what
    // the steps before opened is closed, in reverse order; dir stays the caller's to close
    java.util.ArrayDeque<AutoCloseable> opened = new java.util.ArrayDeque<>();
    try {
      dir.mkdir("out", 0755);
      this.out = push(opened, dir.sub("out"));
      dir.mkfifo("ctl");
      this.ctl = push(opened, dir.fifoWriter("ctl"));
      // before any command: the shell refuses commands of a protocol version it does not speak
      ctl.write(GuestProtocol.hello());
      this.watch = push(opened, dir.watch(false, onEntry, onOverflow));
      // a command's stdout file appears when it starts; its writes are not watched
      this.outWatch = push(opened, out.watch(true, name -> onEntry.accept("out/" + name), onOverflow));
    } catch (RuntimeException e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static <T extends AutoCloseable> T push(java.util.ArrayDeque<AutoCloseable> opened, T c) {
    opened.push(c);
    return c;
  }

  /**
   * Makes the (empty) files of commands up to number {@code upTo}, owned by the sandbox's root, so
   * that submitting a command and running it only write into files that exist.
   */
  void prepare(long upTo) {
    if (prepared.get() >= upTo) {
      return;
    }
    preparing.lock();
    try {
      for (long n = prepared.get() + 1; n <= upTo; n++) {
        dir.createEmpty(n + ".cmd");
        dir.createEmpty(n + ".exit");
        out.createEmpty(n + ".out");
        out.createEmpty(n + ".err");
        prepared.set(n);
      }
    } finally {
      preparing.unlock();
    }
  }

  /**
   * After a controller restart: continue numbering well past every number used before. A command
   * handed to the shell just before a controller died, but not yet stored, used a number the store
   * does not know, and the shell runs each number once, so that number must never be reused: the
   * store's highest number is not enough (two restarts in a row without a stored command would
   * hand the same number out again, and the shell would skip the new command as already run). Its
   * files are made before a command is handed over, so the highest number with files in the
   * session's directory is the highest the shell can have been given.
   */
  void skipAfterRestart(long storedMax) {
    long next = Math.max(storedMax, highestNumberWithFiles()) + RESTART_GAP;
    seq.set(next);
    prepared.set(next);
  }

  /** The highest command number that has files in the session's directory ({@code N.cmd}, {@code N.exit}, ...); 0 when none. */
  long highestNumberWithFiles() {
    long highest = 0;
    for (String name : dir.list()) {
      int dot = name.indexOf('.');
      if (dot > 0 && dot <= 18 && name.chars().limit(dot).allMatch(c -> c >= '0' && c <= '9')) {
        highest = Math.max(highest, Long.parseLong(name.substring(0, dot)));
      }
    }
    return highest;
  }

  static final long RESTART_GAP = 1000;

  /** The shell's pid once it reads commands. */
  Optional<Long> readyPid() {
    return dir.read("ready", 128).map(b -> new String(b, StandardCharsets.UTF_8).strip().split(" ")[0])
        .filter(s -> !s.isEmpty()).map(Long::parseLong);
  }

  /** Why the shell refused the controller's protocol version, when it did (it ended then). */
  Optional<String> refusal() {
    return dir.read("refused", 1024).map(b -> new String(b, StandardCharsets.UTF_8).strip()).filter(s -> !s.isEmpty());
  }

  /** Command {@code c} as its complete exit file ({@code code [startedUs [endedUs [shell-restarted]]]}) says it ended. */
  ShellCommand finished(ShellCommand c, byte[] exit) {
    String[] parts = new String(exit, StandardCharsets.UTF_8).strip().split(" ");
    int code = Integer.parseInt(parts[0]);
    Optional<java.time.Instant> started = parts.length > 1 ? Optional.of(micros(parts[1])) : Optional.empty();
    java.time.Instant end = parts.length > 2 ? micros(parts[2]) : java.time.Instant.now();
    boolean restarted = parts.length > 3 && parts[3].equals("shell-restarted");
    return c.finished(code, started, end, Math.max(0, out.size(c.seq() + ".out")), Math.max(0, out.size(c.seq() + ".err")),
        restarted || c.shellRestarted(), c.timedOut(), c.reason());
  }

  private static java.time.Instant micros(String s) {
    long us = Long.parseLong(s);
    return java.time.Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000);
  }

  /** Commands up to this size travel through the control FIFO itself (one atomic write); longer ones in a file. */
  static final int INLINE_COMMAND = 3000;

  /**
   * Hands command number {@code seq} to the shell as a frame of {@link GuestProtocol}: the header
   * {@code <seq> <command id> <stdin mode> <length>}, then the command text when it is short
   * (else length 0, and the text is in its file).
   */
  void dispatch(long seq, String commandId, String stdinMode, byte[] text) {
    String head = seq + " " + commandId + " " + stdinMode;
    if (text.length > INLINE_COMMAND) {
      dir.overwrite(seq + ".cmd", text);
      ctl.write(GuestProtocol.frame(head, new byte[0]));
      return;
    }
    ctl.write(GuestProtocol.frame(head, text));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      watch.close();
      outWatch.close();
      stdin.values().forEach(s -> {
        try {
          s.close();
        } catch (Exception ignored) {
          // the shell is going away
        }
      });
      ctl.close();
      out.close();
      dir.close();
    }
  }

  boolean closed() {
    return closed.get();
  }
}
