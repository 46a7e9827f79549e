package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.SandboxRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A few lines of POSIX sh run in a VM's guest through its agent, the arguments as {@code $1…}: how
 * the microVM's {@link dev.warren.runtime.Guest} does what the agent has no frame of its own for
 * (processes that outlive a call, signals, held directories). Stateless; thread-safe.
 */
record GuestShell(MicrovmRuntime runtime, String sandboxId) {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  ExecResult run(String script, List<String> args, byte[] stdin, int maxOut) {
    return run(script, args, stdin, maxOut, Map.of());
  }

  ExecResult run(String script, List<String> args, byte[] stdin, int maxOut, Map<String, String> env) {
    List<String> argv = Stream.concat(Stream.of("/bin/sh", "-c", script, "warren"), args.stream()).toList();
    return runtime.channel(sandboxId).exec(new ExecSpec(argv, env, Optional.of("/"), stdin, TIMEOUT, maxOut));
  }

  /** Runs {@code script} and fails, with its stderr, unless it exits 0. */
  ExecResult check(String what, String script, List<String> args, byte[] stdin, int maxOut) {
    ExecResult r = run(script, args, stdin, maxOut);
    if (r.exitCode() != 0) {
      throw new SandboxRuntimeException("cannot " + what + " in sandbox " + sandboxId + " (exit " + r.exitCode() + "): "
          + new String(r.stderr(), StandardCharsets.UTF_8).strip());
    }
    return r;
  }

  /**
   * Starts {@code argv} in a session of its own that outlives the call, with {@code env} added to
   * the sandbox's and {@code cwd}; its pid in the guest.
   */
  long spawn(List<String> argv, Map<String, String> env, Optional<String> cwd) {
    List<String> args = Stream.concat(Stream.of(cwd.orElse("/")), argv.stream()).toList();
    ExecResult r = run("""
        cd "$1" 2>/dev/null || { echo "no directory $1" >&2; exit 127; }
        shift
        setsid "$@" </dev/null >/dev/null 2>&1 &
        echo $!
        """, args, new byte[0], 4096, env);
    String out = new String(r.stdout(), StandardCharsets.UTF_8).strip();
    if (r.exitCode() != 0 || !out.matches("[0-9]+")) {
      throw new SandboxRuntimeException("cannot start " + argv.getFirst() + " in sandbox " + sandboxId + " (exit " + r.exitCode() + "): "
          + new String(r.stderr(), StandardCharsets.UTF_8).strip());
    }
    return Long.parseLong(out);
  }

  boolean signalPid(long pid, int signal) {
    return run("kill -s \"$1\" \"$2\" 2>/dev/null", List.of(signalName(signal), Long.toString(pid)), new byte[0], 1024).exitCode() == 0;
  }

  void killSession(long pid) {
    run("kill -s KILL -- \"-$1\" 2>/dev/null; kill -s KILL \"$1\" 2>/dev/null; true", List.of(Long.toString(pid)), new byte[0], 1024);
  }

  /** Signals every process whose environment holds {@code name=value}; how many. */
  int signalMarked(String name, String value, int signal) {
    // one grep over every environment (a fork per process is slow in an emulated guest)
    ExecResult r = run("""
        n=0
        for e in $(grep -lzxF -- "$1" /proc/[0-9]*/environ 2>/dev/null); do
          p=${e#/proc/}; p=${p%/environ}
          kill -s "$2" "$p" 2>/dev/null && n=$((n + 1))
        done
        echo $n
        """, List.of(name + "=" + value, signalName(signal)), new byte[0], 1024);
    String out = new String(r.stdout(), StandardCharsets.UTF_8).strip();
    return out.matches("[0-9]+") ? Integer.parseInt(out) : 0;
  }

  private static String signalName(int signal) {
    return switch (signal) {
      case 1 -> "HUP";
      case 2 -> "INT";
      case 9 -> "KILL";
      case 15 -> "TERM";
      case 10 -> "USR1";
      case 12 -> "USR2";
      case 18 -> "CONT";
      case 19 -> "STOP";
      case 3 -> "QUIT";
      default -> Integer.toString(signal);
    };
  }
}
