package dev.warren.ops;

import dev.warren.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The background supervisor ({@code warren serve --daemon --supervise}): runs the controller as
 * its child and starts it again when it dies abnormally, after 1 s, then 2, 4 … up to 60 s between
 * tries (back to 1 s after ten minutes of good running). A controller whose very first start ends
 * within ten seconds without ever listening (a bad setting, a refused data directory) is not retried: the
 * supervisor ends with its exit code. SIGTERM to the supervisor is passed on to the controller,
 * which shuts down gracefully; then the supervisor ends and removes its pid file.
 */
public final class Supervisor {
  private static final Duration FIRST_RUN = Duration.ofSeconds(10);
  private static final Duration HEALTHY = Duration.ofMinutes(10);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private final Config config;
  private final PidFile pids;
  private final PrintStream out;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Process child;

  public Supervisor(Config config, Optional<Path> pidFile, PrintStream out) {
    this.config = config;
    this.pids = PidFile.of(config.dataDir(), pidFile);
    this.out = out;
  }

  /** Runs until stopped or until the controller cannot be started; returns the exit code. */
  public int run() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "warren-supervisor-stop"));
    try {
      return loop();
    } finally {
      pids.removeIf(ProcessHandle.current().pid());
      done.countDown();
    }
  }

  private int loop() {
    Duration backoff = Duration.ofSeconds(1);
    boolean ranOnce = false;
    while (!stopping.get()) {
      Instant started = Instant.now();
      int code = runChild();
      Duration ran = Duration.between(started, Instant.now());
      if (stopping.get()) {
        say("controller stopped (exit code " + code + "); supervisor ends");
        return 0;
      }
      if (code == 0 || code == 143) {
        say("controller ended (exit code " + code + "); supervisor ends too");
        return 0;
      }
      // a controller that never listened failed at start-up (a bad setting, a busy port): restarting it would fail the same way
      boolean listened = Daemon.listenAddress(config.dataDir().resolve("listen"), started).isPresent();
      if (!ranOnce && !listened && ran.compareTo(FIRST_RUN) < 0) {
        say("controller failed at start-up (exit code " + code + ") after " + ran.toMillis() + " ms; not restarting it");
        return code;
      }
      ranOnce = true;
      if (ran.compareTo(HEALTHY) > 0) {
        backoff = Duration.ofSeconds(1);
      }
      say("controller exited with code " + code + " after " + ran.toSeconds() + " s; restarting in " + backoff.toSeconds() + " s");
      if (sleep(backoff)) {
        return 0;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
    return 0;
  }

  private int runChild() {
    try {
      ProcessBuilder pb = new ProcessBuilder(JavaCommand.warren(config.dataDir(), List.of("serve"))).inheritIO()
          .directory(new java.io.File("/"));
      synchronized (this) {
        if (stopping.get()) {
          return 0;
        }
        child = pb.start();
      }
      say("controller started (pid " + child.pid() + ")");
      return child.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the controller: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** SIGTERM: pass it on, wait for the controller to finish its graceful shutdown. */
  private void stop() {
    Process c;
    synchronized (this) {
      stopping.set(true);
      c = child;
    }
    if (c != null && c.isAlive()) {
      say("stopping: passing SIGTERM to the controller (pid " + c.pid() + ")");
      c.destroy();
      try {
        if (!c.waitFor(config.shutdownGrace().toSeconds() + 30, TimeUnit.SECONDS)) {
          say("the controller did not stop in time; killing it");
          c.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      done.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dev.warren.log.LogSetup.stop();
  }

  private boolean sleep(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      if (stopping.get()) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
    }
    return stopping.get();
  }

  private void say(String line) {
    out.println(Instant.now() + " supervisor: " + line);
    out.flush();
  }
}
