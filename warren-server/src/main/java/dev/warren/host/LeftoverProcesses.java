package dev.warren.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Processes a previous controller started and left running when it was killed (the children of a
 * controller outlive it): found by their argument vector, ended with SIGKILL before what they were
 * making is cleaned up. Stateless.
 */
public final class LeftoverProcesses {
  private LeftoverProcesses() {}

  /**
   * SIGKILLs every process but this one whose argv {@code matches}, waits (about a second each) until
   * {@code ended} says it is gone; returns them, described.
   */
  public static List<String> endAll(Predicate<String[]> matches, LongPredicate ended) {
    List<String> out = new ArrayList<>();
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        long pid = Long.parseLong(p.getFileName().toString());
        String[] argv = argv(p);
        if (pid != ProcessHandle.current().pid() && argv.length > 0 && matches.test(argv)) {
          Syscalls.kill(pid, 9);
          pids.add(pid);
          out.add(pid + " (" + String.join(" ", Arrays.copyOfRange(argv, 0, Math.min(argv.length, 6))) + " …)");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    for (long pid : pids) {
      for (int i = 0; i < 100 && !ended.test(pid); i++) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return out;
        }
      }
    }
    return out;
  }

  private static String[] argv(Path proc) {
    try {
      String s = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
      return s.isEmpty() ? new String[0] : s.split("\0");
    } catch (IOException e) {
      return new String[0];
    }
  }
}
