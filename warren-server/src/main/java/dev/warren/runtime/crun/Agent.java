package dev.warren.runtime.crun;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.GuestProtocol;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.SandboxRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The controller's side of Warren's agent in one sandbox ({@code /.warren/agent.sh}, started by the
 * sandbox's init). Requests are frames of protocol {@code warren-guest 1} ({@link GuestProtocol}:
 * a hello first, then a header line with its length and the payload) through a FIFO the controller
 * keeps open, so they queue while the agent restarts; answers come back as files, noticed through
 * inotify. An agent that announces no version in its {@code ready} file (one an older Warren
 * started) is not used: commands go through crun exec until a new agent announces one. A request
 * the agent refuses fails with its reason. A command runs in a session of its own, so a timeout
 * ends its whole process tree. Thread-safe; {@code close()} is idempotent
 * and must happen before the sandbox's root filesystem is unmounted.
 */
final class Agent implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Agent.class);
  static final String DIR = "/var/lib/warren/agent";
  /** The sandbox's environment when it was set after its start ({@link #setEnvironment}); the agent exports it into every request. */
  static final String ENV = "env";

  private final String sandboxId;
  private final SandboxDir dir;
  private final HeldFifo ctl;
  private final GuestDir.Registration watch;
  private final Killer killer;
  /** Completed once the agent is ready; failed while it speaks no version, replaced when a new agent announces one. */
  private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
  private final ConcurrentHashMap<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Ends a command's process tree: every process in the sandbox in the session led by its pid. */
  interface Killer {
    void killSession(String sandboxId, long pidInSandbox, String marker);
  }

  private Agent(String sandboxId, SandboxDir dir, FileWatch watch, Killer killer) {
    this.sandboxId = sandboxId;
    this.dir = dir;
    this.killer = killer;
    dir.mkfifo("ctl");
    this.ctl = dir.fifoWriter("ctl");
    try {
      ctl.write(GuestProtocol.hello());
      this.watch = watch.watch(dir, false, this::changed, this::recheck);
    } catch (RuntimeException e) {
      ctl.close();
      throw e;
    }
    recheck();
  }

  /**
   * Prepares the agent's directory and FIFO in a mounted root filesystem and says hello. Before
   * boot ({@code booting}), what the agent of an earlier generation left (its ready file, its
   * refusal) is removed first; after a controller restart, the running agent's files are read.
   */
  static Agent attach(String sandboxId, Path rootfs, long rootUid, FileWatch watch, Killer killer, boolean booting) {
    SandboxDir dir = SandboxDir.open(rootfs, DIR, rootUid, true, 0711);
    try {
      if (booting) {
        dir.delete("ready");
        dir.delete("refused");
        // a new generation runs with its start's environment
        dir.delete(ENV);
      }
      return new Agent(sandboxId, dir, watch, killer);
    } catch (RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  private void changed(String name) {
    if (name.equals("ready")) {
      checkReady();
    } else if (name.equals("refused")) {
      refusedHello();
    } else if (name.endsWith(".refused")) {
      refused(name.substring(0, name.length() - ".refused".length()));
    } else if (name.endsWith(".exit") || name.endsWith(".pid")) {
      CompletableFuture<Void> f = waiting.get(name);
      if (f != null && complete(name)) {
        f.complete(null);
      }
    }
  }

  private boolean complete(String name) {
    return dir.read(name, 64).map(b -> b.length > 0 && b[b.length - 1] == '\n').orElse(false);
  }

  /** A complete ready file: the agent reads frames, if it speaks this protocol. */
  private void checkReady() {
    dir.read("ready", 128).filter(b -> b.length > 0 && b[b.length - 1] == '\n').ifPresent(b -> {
      if (GuestProtocol.announces(new String(b, StandardCharsets.UTF_8))) {
        if (!ready.complete(null) && ready.isCompletedExceptionally()) {
          ready = CompletableFuture.completedFuture(null);
        }
      } else if (ready.completeExceptionally(new SandboxRuntimeException("the agent of " + sandboxId + " speaks no "
          + GuestProtocol.NAME + " version (an older Warren started it)"))) {
        log.info("the agent of {} was started by an older Warren; its commands run through crun exec until it restarts", sandboxId);
      }
    });
  }

  /**
   * The agent refused a hello (one a process in the sandbox wrote into its FIFO): say it again, so
   * that the requests after it are run.
   */
  private void refusedHello() {
    reason("refused").ifPresent(why -> {
      log.warn("the agent of {} refused a hello ({}); saying hello again", sandboxId, why);
      if (!closed.get()) {
        ctl.write(GuestProtocol.hello());
      }
    });
  }

  /** The agent answered request {@code id} with a refusal: whoever waits for it fails with the reason. */
  private void refused(String id) {
    reason(id + ".refused").ifPresent(why -> {
      SandboxRuntimeException e = new SandboxRuntimeException("the agent of " + sandboxId + " refused the request: " + why);
      waiting.forEach((name, f) -> {
        if (name.startsWith(id + ".")) {
          f.completeExceptionally(e);
        }
      });
    });
  }

  private Optional<String> reason(String name) {
    return dir.read(name, 1024).map(b -> new String(b, StandardCharsets.UTF_8).strip()).filter(s -> !s.isEmpty());
  }

  private void recheck() {
    checkReady();
    waiting.forEach((name, f) -> {
      if (complete(name)) {
        f.complete(null);
      }
    });
  }

  /** Whether the agent answers, waiting for it at most {@code wait} (it starts with the sandbox). */
  boolean awaitReady(Duration wait) {
    try {
      ready.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  /**
   * Replaces the environment the agent gives every request from now on (before the request's own
   * variables): NUL-separated {@code NAME=value} pairs in {@link #ENV}, written before the caller
   * is told, read by the agent at each request. It stays on the sandbox's disk until its next
   * boot, so a restarted controller needs nothing of it.
   */
  void setEnvironment(Map<String, String> env) {
    List<String> pairs = new java.util.ArrayList<>();
    new java.util.TreeMap<>(env).forEach((k, v) -> pairs.add(k + "=" + v));
    // the caller's environment, like the bundle's config.json: for the sandbox's root (the agent) alone
    dir.writePrivate(ENV, GuestProtocol.nulSeparated(pairs));
  }

  /** Writes the request's files, then its line; {@code spec.env()} adds to the sandbox's own environment. */
  private String submit(String kind, ExecSpec spec, String marker, String waitFor) {
    String id = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    dir.write(id + ".argv", GuestProtocol.nulSeparated(spec.argv()));
    StringBuilder has = new StringBuilder();
    if (!spec.env().isEmpty()) {
      List<String> env = new java.util.ArrayList<>();
      for (Map.Entry<String, String> e : spec.env().entrySet()) {
        env.add(e.getKey() + "=" + e.getValue());
      }
      dir.write(id + ".env", GuestProtocol.nulSeparated(env));
      has.append('e');
    } else {
      has.append('-');
    }
    if (spec.cwd().isPresent()) {
      dir.write(id + ".cwd", (spec.cwd().get() + "\0").getBytes(StandardCharsets.UTF_8));
      has.append('c');
    } else {
      has.append('-');
    }
    if (spec.stdin().length > 0) {
      dir.write(id + ".in", spec.stdin());
      has.append('i');
    } else {
      has.append('-');
    }
    // the answer files exist before the command runs, so one that uses up the sandbox's disk (its
    // inodes, its blocks) cannot keep the agent from answering: an exit code or a pid is a few
    // bytes, which live in the file's inode (see DiskTemplates)
    for (String answer : kind.equals("exec") ? List.of(".pid", ".out", ".err", ".exit") : List.of(".pid")) {
      dir.createEmpty(id + answer);
    }
    waiting.put(id + waitFor, new CompletableFuture<>());
    ctl.write(GuestProtocol.frame(kind, (id + " " + marker + " " + has).getBytes(StandardCharsets.UTF_8)));
    return id;
  }

  private boolean await(String name, long millis) {
    CompletableFuture<Void> f = waiting.get(name);
    if (complete(name)) {
      return true;
    }
    try {
      f.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return complete(name);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while waiting for a command in " + sandboxId, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SandboxRuntimeException refusal && !closed.get()) {
        throw refusal;
      }
      return false;
    }
  }

  ExecResult exec(ExecSpec spec, java.util.function.LongSupplier oomKills) {
    long oomBefore = oomKills.getAsLong();
    long t0 = System.nanoTime();
    String marker = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    String id = submit("exec", spec, marker, ".exit");
    try {
      boolean timedOut = false;
      if (!await(id + ".exit", spec.timeout().toMillis()) && closed.get()) {
        throw new SandboxRuntimeException("sandbox " + sandboxId + " stopped while the command ran");
      }
      if (!complete(id + ".exit")) {
        timedOut = true;
        kill(id, marker);
        if (!await(id + ".exit", 10_000)) {
          throw new SandboxRuntimeException("a timed-out command in " + sandboxId + " did not end after SIGKILL");
        }
      }
      long t1 = System.nanoTime();
      int code = Integer.parseInt(new String(dir.read(id + ".exit").orElseThrow(), StandardCharsets.UTF_8).strip());
      byte[] out = dir.read(id + ".out", spec.maxOutputBytes()).orElse(new byte[0]);
      byte[] err = dir.read(id + ".err", spec.maxOutputBytes()).orElse(new byte[0]);
      long outSize = Math.max(0, dir.size(id + ".out"));
      long errSize = Math.max(0, dir.size(id + ".err"));
      boolean truncated = outSize > spec.maxOutputBytes() || errSize > spec.maxOutputBytes();
      if (timedOut) {
        code = 137;
      }
      boolean oom = code == 137 && oomKills.getAsLong() > oomBefore;
      if (log.isDebugEnabled()) {
        log.debug("exec in {}: submitted and ran {} us, collected {} us", sandboxId, (t1 - t0) / 1000, (System.nanoTime() - t1) / 1000);
      }
      return new ExecResult(code, out, err, Duration.ofNanos(System.nanoTime() - t0), timedOut, truncated, oom, outSize, errSize);
    } finally {
      forget(id, ".exit");
    }
  }

  /** Starts {@code spec.argv()} detached, in a session of its own; returns its pid in the sandbox. */
  long spawn(ExecSpec spec) {
    String id = submit("spawn", spec, "-", ".pid");
    try {
      if (!await(id + ".pid", 10_000)) {
        throw new SandboxRuntimeException("the agent of " + sandboxId + " did not start " + spec.argv().getFirst() + " within 10 s");
      }
      return Long.parseLong(new String(dir.read(id + ".pid").orElseThrow(), StandardCharsets.UTF_8).strip());
    } finally {
      forget(id, ".pid");
    }
  }

  private void kill(String id, String marker) {
    Optional<Long> pid = dir.read(id + ".pid").map(b -> new String(b, StandardCharsets.UTF_8).strip())
        .filter(s -> !s.isEmpty()).map(Long::parseLong);
    killer.killSession(sandboxId, pid.orElse(-1L), marker);
  }

  private void forget(String id, String waitedFor) {
    waiting.remove(id + waitedFor);
    if (closed.get()) {
      return;
    }
    for (String name : dir.list()) {
      if (!name.startsWith(id + ".")) {
        continue;
      }
      try {
        dir.delete(name);
      } catch (RuntimeException ignored) {
        // the sandbox is going away
      }
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      watch.close();
      ctl.close();
      dir.close();
      waiting.values().forEach(f -> f.completeExceptionally(new SandboxRuntimeException("sandbox " + sandboxId + " stopped")));
    }
  }
}
