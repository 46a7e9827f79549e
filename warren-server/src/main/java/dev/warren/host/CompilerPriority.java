package dev.warren.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The JIT's optimising compiler (C2) yields the CPU while a controller starts. About half the CPU
 * a start costs is compilation (measured on 2 CPUs: C1 0.7 s, C2 1.1 s of 3.7 s), and C2's part
 * is code for later: it does not make the start itself faster, yet on a busy host it takes CPU
 * from the start's own threads. Its threads run {@link #DURING_START} nicer than the process until
 * the controller serves, then at the process's own priority again. C1, whose quick code the start does use,
 * keeps its priority. Lowering a thread's priority needs no privilege; raising it back needs root,
 * which a controller is (elsewhere the threads simply stay low). Best effort: a host without
 * {@code /proc} or a JVM whose threads are named otherwise is left as it is.
 */
public final class CompilerPriority {
  /** How much nicer than the process C2 runs while the controller starts. */
  static final int DURING_START = 10;
  private static final String C2 = "C2 CompilerThre";

  private CompilerPriority() {}

  /** C2's threads yield (call early in a controller's start). */
  public static void lower() {
    set(Math.min(19, ownNice() + DURING_START));
  }

  /** C2's threads at the nice value of the process again (call once the controller serves). */
  public static void restore() {
    set(ownNice());
  }

  /** The nice value the process was started with: its main thread's ({@code /proc/self/stat}, field 19). */
  static int ownNice() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // the fields after the command name, which may hold spaces and ends at the last ')': state is field 3
      return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static void set(int nice) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readString(t.resolve("comm")).startsWith(C2)) {
            Syscalls.setThreadNice(Integer.parseInt(t.getFileName().toString()), nice);
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to change
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: nothing to change
    }
  }
}
