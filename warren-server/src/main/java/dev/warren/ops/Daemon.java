package dev.warren.ops;

import dev.warren.config.Config;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Warren in the background without systemd: {@code warren serve --daemon} starts a detached JVM
 * (its own session through {@code setsid}, working directory {@code /}, standard input from
 * {@code /dev/null}, output appended to {@code warren.out} beside the log), records its pid and
 * waits until the API answers. With supervision the detached JVM is a {@link Supervisor} that runs
 * the controller and restarts it when it crashes. {@link #stop} and {@link #status} find it by the
 * pid file, or a controller started in the foreground by the data directory's lock.
 */
public final class Daemon {
  private Daemon() {}

  /** How to start: which pid file, supervised or not, how long to wait for the API. */
  public record Options(Optional<Path> pidFile, boolean supervise, Duration readyWait) {}

  /** Raised when Warren cannot be started in the background; the message says why. */
  public static final class DaemonException extends OpsException {
    DaemonException(String message) {
      super(message);
    }
  }

  /** Where the background JVM's own output goes (JVM errors, anything before logging starts). */
  public static Path consoleFile(Config config) {
    return config.logging().dir().orElse(config.dataDir()).resolve("warren.out");
  }

  /** Starts Warren in the background; returns the pid recorded in the pid file. */
  public static long start(Config config, Map<String, String> env, Options o, PrintStream out) {
    PidFile pids = PidFile.of(config.dataDir(), o.pidFile());
    Path console = consoleFile(config);
    Process p;
    Instant spawned;
    long consoleStart;
    try {
      Files.createDirectories(console.getParent());
      Files.createDirectories(config.dataDir());
      try (FileChannel ch = FileChannel.open(pids.file().resolveSibling(pids.file().getFileName() + ".lock"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock ignored = ch.lock()) {
        Optional<ProcessHandle> live = pids.live();
        if (live.isPresent()) {
          throw new DaemonException("Warren is already running in the background (pid " + live.get().pid() + ", pid file " + pids.file()
              + "); stop it first with: warren stop");
        }
        Optional<Long> holder = DataLock.holder(config.dataDir());
        if (holder.isPresent()) {
          throw new DaemonException("a Warren controller (pid " + holder.get() + ") is already running on " + config.dataDir()
              + "; stop it first with: warren stop");
        }
        if (pids.recorded().isPresent()) {
          out.println("warren: removing the stale pid file " + pids.file() + " (pid " + pids.recorded().get() + " is gone)");
        }
        rotate(console);
        consoleStart = Files.exists(console) ? Files.size(console) : 0;
        spawned = Instant.now().minusMillis(5);
        List<String> cmd = new java.util.ArrayList<>(List.of("setsid"));
        List<String> args = new java.util.ArrayList<>(List.of(o.supervise() ? "supervise" : "serve"));
        if (o.supervise() && o.pidFile().isPresent()) {
          args.addAll(List.of("--pid-file", pids.file().toString()));
        }
        cmd.addAll(JavaCommand.warren(config.dataDir(), args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File("/")).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        p = pb.start();
        pids.write(p.pid());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Warren in the background: " + e.getMessage(), e);
    }
    String at = awaitReady(config, p, spawned, console, consoleStart, o.readyWait());
    out.println("Warren is running in the background (pid " + p.pid() + (o.supervise() ? ", supervised: restarted if it crashes" : "")
        + ") on http://" + at + "; log: " + config.logging().dir().map(d -> d.resolve("warren.log").toString()).orElse(console.toString()));
    return p.pid();
  }

  private static String awaitReady(Config config, Process p, Instant spawned, Path console, long consoleStart, Duration wait) {
    Path listen = config.dataDir().resolve("listen");
    long deadline = System.nanoTime() + wait.toNanos();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new DaemonException("Warren exited during start-up (code " + p.exitValue() + "):\n" + tail(console, consoleStart, 15));
      }
      Optional<String> at = listenAddress(listen, spawned);
      if (at.isPresent() && healthy(http, at.get())) {
        return at.get();
      }
      sleep(100);
    }
    throw new DaemonException("Warren (pid " + p.pid() + ") did not answer within " + wait.toSeconds() + " s; it keeps starting. See "
        + console + " and the log");
  }

  /** The address a controller wrote after {@code since}; empty before it is up. */
  static Optional<String> listenAddress(Path listen, Instant since) {
    try {
      if (Files.getLastModifiedTime(listen).compareTo(FileTime.from(since)) >= 0) {
        return Optional.of(Files.readString(listen).strip());
      }
    } catch (IOException e) {
      // not written yet
    }
    return Optional.empty();
  }

  static boolean healthy(HttpClient http, String hostPort) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/healthz")).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Keeps warren.out bounded: over 10 MB it becomes warren.out.1 at the next start. */
  private static void rotate(Path console) throws IOException {
    if (Files.exists(console) && Files.size(console) > 10L << 20) {
      Files.move(console, console.resolveSibling(console.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The last {@code lines} lines written to {@code file} after byte {@code from}. */
  static String tail(Path file, long from, int lines) {
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
      f.seek(Math.min(from, f.length()));
      byte[] rest = new byte[(int) Math.min(1 << 20, f.length() - f.getFilePointer())];
      f.readFully(rest);
      List<String> all = new String(rest, java.nio.charset.StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no output in " + file + ")";
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DaemonException("interrupted");
    }
  }
}
