package dev.warren.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A test-only stand-in for crun, given to the controller as {@code WARREN_CRUN}, that holds one
 * step of a sandbox's life cycle still so a test can kill the controller exactly there. It is a
 * small shell script that hands every call to the real crun unless told otherwise:
 * <ul>
 *   <li>{@link #hold(String)}: {@code crun <verb>} (create, start, delete) waits, before running,
 *       until {@link #release()}; then it goes on as a slow crun would;
 *   <li>{@link #forgetCreate()}: {@code crun create} runs, then crun's record of the new container
 *       is deleted and the call waits: what a {@code crun create} killed after its fork and before
 *       writing its state leaves (an init process in the sandbox's cgroups that crun does not know).
 * </ul>
 * Nothing of this reaches production code: it only uses the WARREN_CRUN setting. Not thread-safe;
 * {@link #close()} ends a held call and deletes the script.
 */
public final class PausingCrun implements AutoCloseable {
  private static final String SCRIPT = """
      #!/bin/sh
      # Warren test fixture (dev.warren.testing.PausingCrun): holds one crun step so that a test can kill the controller there
      dir=%s
      real=%s
      if [ "$1" = --root ] && [ -e "$dir/hold-$3" ]; then
        echo $$ > "$dir/held.tmp" && mv "$dir/held.tmp" "$dir/held"
        while [ -e "$dir/hold-$3" ]; do sleep 0.05; done
        exec "$real" "$@"
      fi
      if [ "$1" = --root ] && [ "$3" = create ] && [ -e "$dir/forget-create" ]; then
        "$real" "$@" || exit $?
        for id; do :; done
        rm -rf "$2/$id"
        echo $$ > "$dir/held.tmp" && mv "$dir/held.tmp" "$dir/held"
        while [ -e "$dir/forget-create" ]; do sleep 0.05; done
        exit 1
      fi
      exec "$real" "$@"
      """;

  private final Path dir;

  private PausingCrun(Path dir) {
    this.dir = dir;
  }

  public static PausingCrun create() {
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "warren-pausing-crun-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
      Path script = dir.resolve("crun");
      Files.writeString(script, SCRIPT.formatted(dir, realCrun()));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      return new PausingCrun(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String realCrun() {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(p, "crun"))) {
        return Path.of(p, "crun").toString();
      }
    }
    throw new IllegalStateException("crun is not on the PATH");
  }

  /** The settings that make a controller use this wrapper. */
  public Map<String, String> settings() {
    return Map.of("WARREN_CRUN", dir.resolve("crun").toString());
  }

  /** From now on {@code crun <verb>} waits before running, until {@link #release()}. */
  public void hold(String verb) {
    touch("hold-" + verb);
  }

  /** From now on {@code crun create} runs, forgets the container and waits (see the class comment). */
  public void forgetCreate() {
    touch("forget-create");
  }

  /** The pid of the call being held, once one is; fails after {@code limit}. */
  public long awaitHeld(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Long> pid = held();
      if (pid.isPresent()) {
        return pid.get();
      }
      TestWarren.sleep(20);
    }
    throw new IllegalStateException("no crun call was held within " + limit.toSeconds() + " s");
  }

  private Optional<Long> held() {
    try {
      return Optional.of(Long.parseLong(Files.readString(dir.resolve("held")).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Lets held and future calls run (a held create or start then goes on, late). */
  public void release() {
    try (var s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith("hold-") || p.getFileName().toString().equals("forget-create"))
          .toList()) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(dir.resolve("held"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILLs the held call, as if it had died with the controller; releases the rest. */
  public void killHeld() {
    Optional<Long> pid = held();
    release();
    pid.flatMap(ProcessHandle::of).ifPresent(p -> {
      p.destroyForcibly();
      p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    });
  }

  /**
   * Whether {@code pid} runs: a zombie does not (it was killed and holds nothing but its pid; reaping
   * it is its parent's business, and a CI container's pid 1 may never reap what is reparented to it).
   */
  public static boolean alive(long pid) {
    return HostState.stat(Path.of("/proc", Long.toString(pid))).filter(f -> !f[0].equals("Z")).isPresent();
  }

  private void touch(String name) {
    try {
      Files.deleteIfExists(dir.resolve("held"));
      Files.writeString(dir.resolve(name), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    killHeld();
    try {
      new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
