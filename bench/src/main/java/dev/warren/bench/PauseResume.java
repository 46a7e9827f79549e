package dev.warren.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Pause and resume latency of an idle and a busy sandbox through the API, beside {@code crun pause}
 * and {@code crun resume} of an idle and a busy plain crun container ({@link CrunFloor}), the four
 * interleaved. Busy: four shell loops ({@link #BUSY}) under a quota of one CPU (Warren's default
 * limit; the floor containers get the same quota). Each subject stays paused between its turns, so
 * the busy ones burn CPU only while measured: a turn resumes it (timed), lets it run {@link #HOLD},
 * and pauses it again (timed). A busy subject that used less than a quarter of a CPU while it ran is
 * a failure: its figures would be an idle one's.
 */
final class PauseResume {
  static final int ITERATIONS = 50;
  static final int WARMUP = 3;
  static final Duration HOLD = Duration.ofMillis(50);
  static final String BUSY = "for i in 1 2 3 4; do (while :; do :; done) & done";
  private static final String START_BUSY = "nohup sh -c '" + BUSY + "' >/dev/null 2>&1 &";
  private static final double MIN_BUSY_CPU = 0.25;
  private static final int MAX_FAILURES = 5;

  private PauseResume() {}

  /** One subject's pauses and resumes, and the CPU time it used while it ran (warm-up included). */
  record Measured(String name, Latencies latencies, double cpuSeconds, double ranSeconds) {}

  /** The four subjects: Warren idle and busy, then crun idle and busy. */
  record Result(List<Measured> subjects) {
    Measured warrenIdle() {
      return subjects.get(0);
    }

    Measured warrenBusy() {
      return subjects.get(1);
    }

    Measured crunIdle() {
      return subjects.get(2);
    }

    Measured crunBusy() {
      return subjects.get(3);
    }
  }

  /** A paused thing that a turn resumes, holds and pauses again. */
  private abstract static class Subject implements Interleaved.Side {
    final String name;
    final Latencies.Collector collector;
    long ranNanos;

    Subject(String name) {
      this.name = name;
      this.collector = new Latencies.Collector(name + ": pause", name + ": resume", name + ": pause + resume", "-");
    }

    abstract void pause();

    abstract void resume();

    /** CPU seconds its processes have used so far. */
    abstract double cpuSeconds();

    /** Deletes the sandbox or container. */
    abstract void remove();

    @Override
    public Latencies.Collector collector() {
      return collector;
    }

    @Override
    public void iterate(int i, boolean counted) {
      long t0 = System.nanoTime();
      resume();
      long t1 = System.nanoTime();
      Cleanup.sleep(HOLD);
      long t2 = System.nanoTime();
      pause();
      long t3 = System.nanoTime();
      ranNanos += t3 - t1;
      if (counted) {
        collector.created(t3 - t2, t1 - t0);
      }
    }
  }

  static Result run(StateApi api, CrunFloor floor, Cleanup cleanup, Cleanup.Budget budget) {
    Report.title("Pause and resume: idle and busy (" + BUSY + "), Warren API beside crun pause/resume, interleaved");
    Report.note(ITERATIONS + " turns each after " + WARMUP + " warm-up; a turn: resume (timed), run " + HOLD.toMillis()
        + " ms, pause (timed); paused between turns");
    long pid = ProcessHandle.current().pid();
    List<Subject> subjects = new ArrayList<>();
    List<Measured> measured = new ArrayList<>();
    try {
      subjects.add(warren(api, "Warren idle", false));
      subjects.add(warren(api, "Warren busy", true));
      subjects.add(crun(floor, "wb-" + pid + "-idle", "crun idle", false));
      subjects.add(crun(floor, "wb-" + pid + "-busy", "crun busy", true));
      double[] cpuBefore = subjects.stream().mapToDouble(Subject::cpuSeconds).toArray();
      Interleaved.run(subjects, WARMUP, ITERATIONS, MAX_FAILURES, cleanup, budget);
      for (int k = 0; k < subjects.size(); k++) {
        Subject s = subjects.get(k);
        double cpu = s.cpuSeconds() - cpuBefore[k];
        if (s.name.endsWith("busy") && cpu < MIN_BUSY_CPU * s.ranNanos / 1e9) {
          s.collector.failed("busy check", new IllegalStateException(String.format(Locale.ROOT,
              "%s used %.2f CPU-s in %.2f s of running: not busy", s.name, cpu, s.ranNanos / 1e9)));
        }
        measured.add(new Measured(s.name, s.collector.result(), cpu, s.ranNanos / 1e9));
      }
    } finally {
      if (!cleanup.aborted()) { // else the shutdown hook removes them (StateApi, CrunFloor)
        for (Subject s : subjects) {
          s.remove();
        }
      }
    }
    for (Measured m : measured) {
      Report.latencies(List.of(m.latencies().create(), m.latencies().firstExec()));
      Report.line("   %s: %.2f CPU-s used in %.2f s of running", m.name(), m.cpuSeconds(), m.ranSeconds());
      if (m.latencies().failures() > 0) {
        Report.note(m.latencies().failures() + " failure(s); first errors:");
        m.latencies().errors().forEach(e -> Report.note("  " + e));
      }
      m.latencies().cutShort().ifPresent(c -> Report.note("cut short: " + c));
    }
    return new Result(measured);
  }

  private static Subject warren(StateApi api, String name, boolean busy) {
    String id = api.create("{}");
    if (busy) {
      api.exec(id, START_BUSY, 30);
    }
    api.transition(id, "pause", "paused");
    Report.note(name + ": sandbox " + id + " (default limits: 512 MiB, 512 pids, 1 cpu)");
    return new Subject(name) {
      @Override
      void pause() {
        api.transition(id, "pause", "paused");
      }

      @Override
      void resume() {
        api.transition(id, "resume", "running");
      }

      @Override
      double cpuSeconds() {
        return api.cpuSeconds(id);
      }

      @Override
      void remove() {
        api.delete(id);
      }
    };
  }

  private static Subject crun(CrunFloor floor, String id, String name, boolean busy) {
    floor.start(id, OptionalDouble.of(1.0));
    if (busy) {
      floor.exec(id, List.of("/bin/sh", "-c", START_BUSY));
    }
    floor.pause(id);
    Report.note(name + ": plain crun container " + id + " (crun spec defaults and a CPU quota of 1 core)");
    return new Subject(name) {
      @Override
      void pause() {
        floor.pause(id);
      }

      @Override
      void resume() {
        floor.resume(id);
      }

      @Override
      double cpuSeconds() {
        double ticks = 0;
        for (long p : floor.pids(id)) {
          ticks += cpuTicks(p);
        }
        return ticks / 100; // /proc counts in USER_HZ, 100 on Linux whatever the kernel's HZ
      }

      @Override
      void remove() {
        floor.remove(id);
      }
    };
  }

  /** utime + stime of a process from /proc/<pid>/stat, in clock ticks; 0 when it is gone. */
  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException e) {
      return 0;
    }
  }
}
