package dev.warren.shell;

import dev.warren.runtime.FileWatch;
import dev.warren.runtime.SandboxDir;
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
  final SandboxDir dir;
  final SandboxDir out;
  final SandboxDir.FifoWriter ctl;
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
  private final FileWatch.Registration watch;
  private final FileWatch.Registration outWatch;
  private final AtomicBoolean closed = new AtomicBoolean();

  LiveSession(String id, String sandboxId, long generation, SandboxDir dir, long lastSeq, FileWatch watch,
      Consumer<String> onEntry, Runnable onOverflow) {
    this.id = id;
    this.sandboxId = sandboxId;
    this.generation = generation;
    this.dir = dir;
    this.seq = new AtomicLong(lastSeq);
    dir.mkdir("out", 0755);
    this.out = dir.sub("out");
    dir.mkfifo("ctl");
    this.ctl = dir.fifoWriter("ctl");
    this.watch = watch.watch(dir, onEntry, onOverflow);
    // a command's stdout file appears when it starts; its writes are not watched
    this.outWatch = watch.watch(out, true, name -> onEntry.accept("out/" + name), onOverflow);
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
   * The highest command number that was submitted here (its command file has content), which may
   * be past what the store knows if the controller died between handing a command to the shell
   * and storing it.
   */
  long highestSubmitted() {
    long max = 0;
    for (String name : dir.list()) {
      if (name.endsWith(".cmd") && name.chars().limit(name.length() - 4).allMatch(Character::isDigit) && name.length() > 4) {
        long n = Long.parseLong(name.substring(0, name.length() - 4));
        if (n > max && dir.size(name) > 0) {
          max = n;
        }
      }
    }
    return max;
  }

  /** The shell's pid once it reads commands. */
  Optional<Long> readyPid() {
    return dir.read("ready", 128).map(b -> new String(b, StandardCharsets.UTF_8).strip().split(" ")[0])
        .filter(s -> !s.isEmpty()).map(Long::parseLong);
  }

  void dispatch(long seq, String commandId, String stdinMode) {
    ctl.write((seq + " " + commandId + " " + stdinMode + "\n").getBytes(StandardCharsets.UTF_8));
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
