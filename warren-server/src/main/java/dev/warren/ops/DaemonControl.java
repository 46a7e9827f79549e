package dev.warren.ops;

import dev.warren.config.Config;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code warren stop} and {@code warren status}: they find the background Warren by its pid file,
 * else a controller started in the foreground by the data directory's lock, so both work however
 * Warren was started (except under systemd, where {@code systemctl} is the way).
 */
public final class DaemonControl {
  /** {@code status} exit codes, as LSB init scripts use them. */
  public static final int RUNNING = 0;
  public static final int NOT_RUNNING = 3;

  private DaemonControl() {}

  /** Stops Warren with SIGTERM and waits for it; 0 when it is stopped (or was not running). */
  public static int stop(Config config, Optional<Path> pidFile, Duration timeout, boolean force, PrintStream out) {
    PidFile pids = PidFile.of(config.dataDir(), pidFile);
    Optional<ProcessHandle> target = pids.live();
    Optional<ProcessHandle> server = DataLock.holder(config.dataDir()).flatMap(ProcessHandle::of);
    if (target.isEmpty() && server.isEmpty()) {
      if (pids.recorded().isPresent()) {
        pids.remove();
        out.println("Warren is not running (removed the stale pid file " + pids.file() + ")");
      } else {
        out.println("Warren is not running");
      }
      return 0;
    }
    ProcessHandle first = target.orElse(server.orElseThrow());
    out.println("stopping Warren (pid " + first.pid() + "); sandboxes keep running and are adopted at the next start");
    long deadline = System.nanoTime() + timeout.toNanos();
    first.destroy();
    boolean gone = waitGone(first, deadline) && server.map(s -> waitGone(s, deadline)).orElse(true);
    if (!gone) {
      if (!force) {
        out.println("Warren (pid " + first.pid() + ") is still stopping after " + timeout.toSeconds() + " s; warren stop --force kills it");
        return 1;
      }
      out.println("Warren did not stop within " + timeout.toSeconds() + " s: killing it (SIGKILL)");
      first.destroyForcibly();
      server.ifPresent(ProcessHandle::destroyForcibly);
      waitGone(first, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }
    pids.removeIf(first.pid());
    out.println("Warren stopped");
    return 0;
  }

  private static boolean waitGone(ProcessHandle p, long deadline) {
    try {
      p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !p.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !p.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  /** Says whether Warren runs, how it was started and whether its API answers; LSB exit codes. */
  public static int status(Config config, Optional<Path> pidFile, PrintStream out) {
    PidFile pids = PidFile.of(config.dataDir(), pidFile);
    Optional<ProcessHandle> daemon = pids.live();
    Optional<Long> server = DataLock.holder(config.dataDir());
    if (daemon.isEmpty() && server.isEmpty()) {
      if (pids.recorded().isPresent()) {
        pids.remove();
        out.println("Warren is not running (removed the stale pid file " + pids.file() + ")");
      } else {
        out.println("Warren is not running");
      }
      return NOT_RUNNING;
    }
    StringBuilder b = new StringBuilder("Warren is running");
    if (daemon.isPresent()) {
      boolean supervised = server.isPresent() && server.get() != daemon.get().pid();
      b.append(" in the background (pid ").append(daemon.get().pid());
      if (supervised) {
        b.append(", controller pid ").append(server.get()).append(", supervised");
      } else if (server.isEmpty()) {
        b.append(", controller not up: starting, or restarting after a crash");
      }
      b.append(')');
    } else {
      b.append(" (pid ").append(server.get()).append(", started in the foreground or by a service manager)");
    }
    Optional<String> at = Daemon.listenAddress(config.dataDir().resolve("listen"), Instant.EPOCH);
    if (at.isPresent()) {
      boolean ok = Daemon.healthy(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), at.get());
      b.append(" on http://").append(at.get()).append(ok ? ", answering" : ", not answering yet");
    }
    out.println(b);
    return RUNNING;
  }
}
