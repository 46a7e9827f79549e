package dev.warren.bench;

import dev.warren.client.ExecRequest;
import dev.warren.client.ExecResult;
import dev.warren.client.Sandbox;
import dev.warren.client.Warren;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Create-to-first-exec, one sandbox at a time. Warren: {@code POST /v1/sandboxes} (default
 * limits, networked) immediately followed by an exec of {@code true}, then {@code DELETE}. The
 * plain-crun floor: the same sequence through {@link CrunFloor}. Each iteration deletes its sandbox
 * before the next begins. When both run, their iterations alternate (Warren then crun, crun then
 * Warren, …) so that whatever else loads the host weighs on both alike and the ratio stays fair.
 */
final class SequentialSection {
  static final ExecRequest TRUE = ExecRequest.argv("true");
  private static final int MAX_FAILURES = 10;

  private SequentialSection() {}

  /** One sandbox's create and first exec; the caller deletes it. */
  record FirstExec(String id, long createNanos, long execNanos) {}

  /** The latencies of one iteration, in nanoseconds. */
  record Sample(long createNanos, long execNanos, long deleteNanos) {}

  /** What was measured; empty for a side that did not run. */
  record Result(Optional<Latencies> warren, Optional<Latencies> floor) {}

  private record Subject(Latencies.Collector collector, IntFunction<Sample> iteration) implements Interleaved.Side {
    @Override
    public void iterate(int i, boolean counted) {
      Sample sample = iteration.apply(i);
      if (counted) {
        collector.created(sample.createNanos(), sample.execNanos());
        collector.deleted(sample.deleteNanos());
      }
    }
  }

  /** Creates a sandbox and runs {@code true} in it; deletes it again if the exec fails. */
  static FirstExec createAndExec(Warren warren) {
    long t0 = System.nanoTime();
    Sandbox s = warren.sandboxes().create();
    long t1 = System.nanoTime();
    try {
      ExecResult r = s.exec(TRUE);
      long t2 = System.nanoTime();
      if (!r.succeeded()) {
        throw new IllegalStateException("exec true in " + s.id() + " exited with " + r.exitCode() + ": " + r.stderr().strip());
      }
      return new FirstExec(s.id(), t1 - t0, t2 - t1);
    } catch (RuntimeException e) {
      try {
        warren.sandboxes().delete(s.id());
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** Runs the section for Warren, the floor, or both interleaved (either may be null). */
  static Result run(BenchWarren w, CrunFloor floor, Options o, Cleanup cleanup) {
    String who = w != null && floor != null ? "Warren and plain crun, interleaved" : w != null ? "Warren" : "plain crun";
    Report.title("Create-to-first-exec, sequential (" + who + "): " + o.iterations() + " iterations after " + o.warmup() + " warm-up");
    List<Subject> subjects = new ArrayList<>();
    Subject warren = null;
    Subject crun = null;
    if (w != null) {
      Warren client = w.client();
      warren = new Subject(new Latencies.Collector("create (POST /v1/sandboxes)", "first exec (true)", "create + first exec",
          "delete"), i -> {
            FirstExec f = createAndExec(client);
            long t0 = System.nanoTime();
            client.sandboxes().delete(f.id());
            return new Sample(f.createNanos(), f.execNanos(), System.nanoTime() - t0);
          });
      subjects.add(warren);
    }
    if (floor != null) {
      long pid = ProcessHandle.current().pid();
      crun = new Subject(new Latencies.Collector("mount + crun run -d", "crun exec true", "create + first exec",
          "crun delete -f + umount + rm"), i -> {
            CrunFloor.Iteration it = floor.iterate("wb-" + pid + "-" + i);
            return new Sample(it.createNanos(), it.execNanos(), it.deleteNanos());
          });
      subjects.add(crun);
    }
    Interleaved.run(subjects, o.warmup(), o.iterations(), MAX_FAILURES, cleanup, cleanup.budget("the sequential section", o.sectionBudget()));
    Optional<Latencies> warrenResult = Optional.ofNullable(warren).map(s -> s.collector().result());
    Optional<Latencies> floorResult = Optional.ofNullable(crun).map(s -> s.collector().result());
    warrenResult.ifPresent(l -> {
      Report.note("Warren (networked, default limits: 512 MiB, 512 pids, 1 cpu), through the Java SDK over HTTP:");
      l.print();
    });
    floorResult.ifPresent(l -> {
      Report.note("plain crun (same image, overlay without idmap, `crun spec` defaults, no veth, no limits):");
      l.print();
    });
    if (warrenResult.isPresent() && floorResult.isPresent()) {
      Report.line("   ratio of p50 create + first exec, Warren / plain crun: %.2fx", warrenResult.get().total().p50()
          / floorResult.get().total().p50());
    }
    return new Result(warrenResult, floorResult);
  }
}
