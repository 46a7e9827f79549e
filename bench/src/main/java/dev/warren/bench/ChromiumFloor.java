package dev.warren.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The floor of the browsers section: Chromium launched directly on the host, headless, each
 * instance with a fresh user-data directory (and HOME, TMPDIR) under this floor's own directory,
 * so it shares nothing with other Chromiums on the host and leaves nothing outside that
 * directory. An instance is ended by the PIDs this benchmark started: Chromium's own, the
 * processes below it, and any process still naming its directory. {@link #close()} ends every
 * instance still running and deletes the directory. Thread-safe.
 */
final class ChromiumFloor implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  /** The flags of the floor (as the issue lists them), then --user-data-dir and about:blank. */
  static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--remote-debugging-port=0");
  private static final String LISTENING = "DevTools listening on ";

  private final Path dir;
  private final AtomicInteger seq = new AtomicInteger();
  private final Set<Host> live = ConcurrentHashMap.newKeySet();

  private ChromiumFloor(Path dir) {
    this.dir = dir;
  }

  static ChromiumFloor open(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    return new ChromiumFloor(dir);
  }

  Path dir() {
    return dir;
  }

  /**
   * Launches one Chromium and waits until it prints its DevTools address (the port is bound then).
   * The clock of {@link Host#devtoolsNanos()} starts just before the process is started.
   */
  Host launch(Duration timeout) {
    Path d = dir.resolve("c" + seq.incrementAndGet());
    Path profile = d.resolve("profile");
    Path home = d.resolve("home");
    Path tmp = d.resolve("tmp");
    try {
      for (Path p : List.of(profile, home, tmp)) {
        Files.createDirectories(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + d, e);
    }
    List<String> argv = new ArrayList<>();
    argv.add(BINARY.toString());
    argv.addAll(FLAGS);
    argv.add("--user-data-dir=" + profile);
    argv.add("about:blank");
    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.PIPE);
    Map<String, String> env = pb.environment();
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
    env.put("TMPDIR", tmp.toString());
    env.remove("DISPLAY");
    CompletableFuture<URI> devtools = new CompletableFuture<>();
    long t0 = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + BINARY, e);
    }
    Host h = new Host(p, d);
    live.add(h);
    Thread.ofVirtual().name("floor-chromium-stderr").start(() -> drain(p, devtools));
    try {
      URI ws = devtools.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      h.ready(ws, System.nanoTime() - t0);
      return h;
    } catch (ExecutionException | TimeoutException e) {
      h.close();
      throw new IllegalStateException("host Chromium " + (e instanceof TimeoutException ? "printed no DevTools address within "
          + timeout.toMillis() + " ms" : e.getCause().getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      h.close();
      throw new Cleanup.Aborted();
    }
  }

  /** Reads Chromium's stderr to its end (so it never blocks on a full pipe), noting the DevTools address. */
  private static void drain(Process p, CompletableFuture<URI> devtools) {
    Deque<String> last = new ArrayDeque<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        int i = line.indexOf(LISTENING);
        if (i >= 0 && !devtools.isDone()) {
          devtools.complete(URI.create(line.substring(i + LISTENING.length()).strip()));
        }
        if (last.size() == 10) {
          last.removeFirst();
        }
        last.addLast(line);
      }
    } catch (IOException e) {
      // the process was killed
    }
    devtools.completeExceptionally(new IllegalStateException("host Chromium ended before printing its DevTools address; stderr: "
        + String.join(" | ", last)));
  }

  /** Processes on the host whose command line names this floor's directory (should be none after close). */
  int processesLeft() {
    return pidsNaming(dir.toString()).size();
  }

  /** Directories of instances still on disk. */
  int directoriesLeft() {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return (int) s.count();
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    for (Host h : List.copyOf(live)) {
      h.close();
    }
    CrunFloor.deleteTree(dir);
  }

  private static List<Long> pidsNaming(String fragment) {
    List<Long> out = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          long pid = Long.parseLong(p.getFileName().toString());
          if (pid != self && cmd.contains(fragment)) {
            out.add(pid);
          }
        } catch (IOException | RuntimeException e) {
          // exited
        }
      });
    } catch (IOException e) {
      // no /proc: nothing to find
    }
    return out;
  }

  /** One Chromium on the host. {@link #close()} kills it (by PID) and deletes its directory; idempotent. */
  final class Host implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile URI browserWs;
    private volatile long devtoolsNanos;

    private Host(Process process, Path dir) {
      this.process = process;
      this.dir = dir;
    }

    private void ready(URI ws, long nanos) {
      browserWs = ws;
      devtoolsNanos = nanos;
    }

    long pid() {
      return process.pid();
    }

    /** The browser target's WebSocket, as Chromium printed it. */
    URI browserWs() {
      return browserWs;
    }

    /** From just before the process started until it printed its DevTools address. */
    long devtoolsNanos() {
      return devtoolsNanos;
    }

    /** Chromium's PID and those of every process below it, alive now. */
    List<Long> pids() {
      List<Long> out = new ArrayList<>();
      if (process.isAlive()) {
        out.add(process.pid());
      }
      process.descendants().filter(ProcessHandle::isAlive).forEach(h -> out.add(h.pid()));
      return out;
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      try {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        // ProcessHandle checks the start time, so a PID reused meanwhile is not signalled
        tree.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
        // the helpers are re-parented to init once Chromium is gone; dead is enough, their reaping is init's business
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle h : tree) {
          while (h.isAlive() && !ProcessMemory.ended(h.pid()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
          }
        }
        // anything that left the tree but still names this instance's directory (Chromium's helpers)
        for (long pid : pidsNaming(dir.toString())) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        live.remove(this);
        CrunFloor.deleteTree(dir);
      }
    }
  }
}
