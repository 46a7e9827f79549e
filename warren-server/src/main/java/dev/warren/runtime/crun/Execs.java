package dev.warren.runtime.crun;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.SandboxRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One-shot and detached processes in a running sandbox through {@code crun exec}. Each process
 * carries a marker variable, so a timeout can find and kill everything it started (its whole
 * process tree, background children included) through the sandbox's cgroup.
 */
final class Execs {
  static final String MARKER = "WARREN_EXEC_ID";

  private final Function<List<String>, List<String>> crun;
  private final Cgroups cgroups;

  Execs(Function<List<String>, List<String>> crun, Cgroups cgroups) {
    this.crun = crun;
    this.cgroups = cgroups;
  }

  private List<String> argv(String id, ExecSpec spec, String marker, List<String> extra) {
    // crun exec takes the capabilities and the seccomp filter from the container's config, but not
    // its noNewPrivileges: ask for it
    List<String> args = new ArrayList<>(List.of("exec", "--no-new-privs"));
    args.addAll(extra);
    Map<String, String> env = new TreeMap<>(spec.env());
    env.put(MARKER, marker);
    env.forEach((k, v) -> {
      args.add("--env");
      args.add(k + "=" + v);
    });
    spec.cwd().ifPresent(c -> {
      args.add("--cwd");
      args.add(c);
    });
    args.add(id);
    args.addAll(spec.argv());
    // crun exec hands its own umask to the process it starts, and the controller's is 077: run it
    // with the usual 022, as the sandbox's init and agent have (OciSpec)
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "umask 022 && exec \"$@\"", "crun-exec"));
    argv.addAll(crun.apply(args));
    return argv;
  }

  ExecResult run(String id, ExecSpec spec) {
    String marker = UUID.randomUUID().toString();
    long oomBefore = cgroups.oomKills(id);
    long t0 = System.nanoTime();
    Process p;
    try {
      p = new ProcessBuilder(argv(id, spec, marker, List.of())).start();
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot run crun exec in " + id + ": " + e.getMessage(), e);
    }
    Capped out = new Capped(spec.maxOutputBytes());
    Capped err = new Capped(spec.maxOutputBytes());
    CompletableFuture<Void> outDone = pump(p.getInputStream(), out);
    CompletableFuture<Void> errDone = pump(p.getErrorStream(), err);
    Thread.ofVirtual().name("exec-stdin-" + id).start(() -> {
      try (OutputStream in = p.getOutputStream()) {
        in.write(spec.stdin());
      } catch (IOException ignored) {
        // the command exited without reading all of its input
      }
    });
    boolean timedOut = false;
    try {
      if (!p.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
        // kill what the command started and let crun reap it and exit by itself; killing crun
        // first would orphan its child to the host's init
        killMarked(id, marker);
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      }
      // background children may hold the pipes open; give the streams a moment, then stop waiting
      try {
        CompletableFuture.allOf(outDone, errDone).get(timedOut ? 1 : 2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        closeQuietly(p.getInputStream());
        closeQuietly(p.getErrorStream());
      }
    } catch (InterruptedException e) {
      killMarked(id, marker);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while running a command in " + id, e);
    }
    int code = timedOut ? 137 : p.exitValue();
    byte[] errBytes = err.bytes();
    if (!timedOut && code != 0 && isCrunFailure(errBytes)) {
      throw new SandboxRuntimeException("cannot run a command in " + id + ": " + new String(errBytes, StandardCharsets.UTF_8).strip());
    }
    boolean oom = code == 137 && cgroups.oomKills(id) > oomBefore;
    return new ExecResult(code, out.bytes(), errBytes, Duration.ofNanos(System.nanoTime() - t0), timedOut,
        out.truncated() || err.truncated(), oom, out.total(), err.total());
  }

  /** crun's own failures (no such container, executable not found) start with its name. */
  private static boolean isCrunFailure(byte[] err) {
    String s = new String(err, 0, Math.min(err.length, 200), StandardCharsets.UTF_8);
    return s.startsWith("crun: ") && !s.contains("executable file") && !s.contains("No such file or directory");
  }

  long spawn(String id, ExecSpec spec, Path bundle) {
    String marker = UUID.randomUUID().toString();
    Path pidFile = bundle.resolve("spawn-" + marker + ".pid");
    List<String> argv = argv(id, spec, marker, List.of("--detach", "--pid-file", pidFile.toString()));
    try {
      Process p = new ProcessBuilder(argv)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.PIPE)
          .start();
      byte[] err = p.getErrorStream().readNBytes(4096);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new SandboxRuntimeException("crun exec --detach in " + id + " did not return within 30 s");
      }
      if (p.exitValue() != 0) {
        throw new SandboxRuntimeException("cannot start " + spec.argv().getFirst() + " in " + id + ": " + new String(err, StandardCharsets.UTF_8).strip());
      }
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      Files.deleteIfExists(pidFile);
      return pid;
    } catch (IOException e) {
      throw new SandboxRuntimeException("cannot start a process in " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxRuntimeException("interrupted while starting a process in " + id, e);
    }
  }

  /**
   * SIGKILLs the process tree of a command: every process of the sandbox in the session led by
   * {@code leaderInSandbox} (its pid inside the sandbox; -1 when unknown), and every process whose
   * environment carries {@code marker}.
   */
  void killSession(String id, long leaderInSandbox, String marker) {
    byte[] needle = (MARKER + "=" + marker).getBytes(StandardCharsets.UTF_8);
    for (int round = 0; round < 3; round++) {
      long leader = -1;
      List<Long> pids = cgroups.pids(id);
      if (leaderInSandbox > 0) {
        for (long pid : pids) {
          if (nsPid(pid) == leaderInSandbox) {
            leader = pid;
          }
        }
      }
      boolean any = false;
      for (long pid : pids) {
        boolean inSession = leader > 0 && (sessionOf(pid) == leader || groupOf(pid) == leader);
        boolean marked = false;
        if (!inSession) {
          try {
            marked = contains(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), needle);
          } catch (IOException ignored) {
            // gone
          }
        }
        if (inSession || marked) {
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          any = true;
        }
      }
      if (!any) {
        return;
      }
    }
  }

  /** The pid of a host process inside its own (innermost) pid namespace, or -1. */
  static long nsPid(long hostPid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(hostPid), "status"))) {
        if (l.startsWith("NSpid:")) {
          String[] f = l.substring(6).trim().split("\\s+");
          return Long.parseLong(f[f.length - 1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** The process group id (a host pid) of a host process, or -1. */
  static long groupOf(long hostPid) {
    return ProcStat.field(hostPid, 2);
  }

  /** The session id (a host pid) of a host process, or -1. */
  static long sessionOf(long hostPid) {
    return ProcStat.field(hostPid, 3);
  }

  boolean signalPid(String id, long pidInSandbox, int signal) {
    for (long pid : cgroups.pids(id)) {
      if (nsPid(pid) == pidInSandbox) {
        return dev.warren.host.Syscalls.kill(pid, signal);
      }
    }
    return false;
  }

  /** Sends {@code signal} to the processes of the sandbox whose environment has {@code name=value}; returns how many. */
  int signalMarked(String id, String name, String value, int signal) {
    byte[] needle = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
    int n = 0;
    for (long pid : cgroups.pids(id)) {
      try {
        if (contains(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), needle)
            && dev.warren.host.Syscalls.kill(pid, signal)) {
          n++;
        }
      } catch (IOException ignored) {
        // gone
      }
    }
    return n;
  }

  /** SIGKILLs every process of the sandbox whose environment carries {@code marker}. */
  void killMarked(String id, String marker) {
    byte[] needle = (MARKER + "=" + marker).getBytes(StandardCharsets.UTF_8);
    for (int round = 0; round < 3; round++) {
      boolean any = false;
      for (long pid : cgroups.pids(id)) {
        try {
          byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
          if (contains(env, needle)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            any = true;
          }
        } catch (IOException ignored) {
          // the process already ended
        }
      }
      if (!any) {
        return;
      }
    }
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      if (i > 0 && hay[i - 1] != 0) {
        continue;
      }
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      int end = i + needle.length;
      if (end == hay.length || hay[end] == 0) {
        return true;
      }
    }
    return false;
  }

  private static CompletableFuture<Void> pump(InputStream in, Capped sink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofVirtual().name("exec-out").start(() -> {
      byte[] buf = new byte[65536];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          sink.write(buf, n);
        }
      } catch (IOException ignored) {
        // stream closed by a timeout or a kill
      }
      done.complete(null);
    });
    return done;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** A byte sink that keeps the first {@code max} bytes and counts the rest. */
  static final class Capped {
    private final int max;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private boolean truncated;
    private long total;

    Capped(int max) {
      this.max = max;
    }

    synchronized void write(byte[] b, int n) {
      total += n;
      int room = max - buf.size();
      if (room >= n) {
        buf.write(b, 0, n);
      } else {
        if (room > 0) {
          buf.write(b, 0, room);
        }
        truncated = true;
      }
    }

    synchronized byte[] bytes() {
      return buf.toByteArray();
    }

    synchronized boolean truncated() {
      return truncated;
    }

    /** Every byte written, kept or not. */
    synchronized long total() {
      return total;
    }
  }
}
