package dev.warren.bench;

import dev.warren.client.Warren;
import dev.warren.host.Instance;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Idle memory: N sandboxes held at once and left idle for 3 s, then each one's memory cgroup
 * usage, the host's MemAvailable drop per sandbox and the controller's heap after GC; then all
 * are deleted and the host is checked for anything left behind (before vs with N vs after).
 */
final class IdleSection {
  static final int WORKERS = 4;

  private IdleSection() {}

  /** What the section found; {@code leftovers} is empty when deleting left nothing behind. */
  record Result(int requested, int created, int deleted, Stats memcg, double memAvailablePerSandbox,
      List<String> leftovers, List<String> errors) {}

  static Result run(BenchWarren w, Options o, Cleanup cleanup) throws InterruptedException {
    int n = o.idle();
    Report.title("Idle memory: " + n + " sandboxes held at once (created " + WORKERS + " at a time), idle for 3 s");
    Cleanup.Budget budget = cleanup.budget("the idle section", o.sectionBudget());
    Warren warren = w.client();
    Latencies.Collector c = new Latencies.Collector("create", "-", "-", "delete");
    HostCensus before = w.census();
    long heapBefore = heapAfterGc();
    long availBefore = Memory.availableBytes();
    Queue<String> ids = new ConcurrentLinkedQueue<>();
    long t0 = System.nanoTime();
    parallel(n, budget, cleanup, i -> {
      long s = System.nanoTime();
      String id = warren.sandboxes().create().id();
      c.created(System.nanoTime() - s, 0);
      ids.add(id);
    }, c);
    long createWall = System.nanoTime() - t0;
    Thread.sleep(3000);
    List<Long> usage = new ArrayList<>();
    List<Long> rss = new ArrayList<>();
    for (String id : ids) {
      Memory.cgroupUsage(w.instance(), id).ifPresent(usage::add);
      Memory.cgroupRss(w.instance(), id).ifPresent(rss::add);
    }
    long availAfter = Memory.availableBytes();
    long heapWith = heapAfterGc();
    HostCensus during = w.census();
    List<String> toDelete = List.copyOf(ids);
    AtomicInteger deleted = new AtomicInteger();
    t0 = System.nanoTime();
    parallel(toDelete.size(), budget, cleanup, i -> {
      long s = System.nanoTime();
      warren.sandboxes().delete(toDelete.get(i));
      c.deleted(System.nanoTime() - s);
      deleted.incrementAndGet();
    }, c);
    long deleteWall = System.nanoTime() - t0;
    HostCensus after = w.census();
    int listed = warren.sandboxes().list().size();

    Latencies l = c.result();
    int made = ids.size();
    Report.line("   created %d/%d in %.1f s; deleted %d in %.1f s", made, n, createWall / 1e9, deleted.get(), deleteWall / 1e9);
    Report.latencies(List.of(l.create(), l.delete()));
    Stats mem = new Stats("memcg usage per sandbox", usage.stream().mapToLong(Long::longValue).toArray());
    Stats anon = new Stats("memcg rss per sandbox", rss.stream().mapToLong(Long::longValue).toArray());
    double perSandbox = made == 0 ? Double.NaN : (double) (availBefore - availAfter) / made;
    List<List<String>> t = new ArrayList<>();
    t.add(List.of("(MiB)", "n", "mean", "median", "p95", "max"));
    for (Stats s : List.of(mem, anon)) {
      t.add(List.of(s.name(), Integer.toString(s.n()), Report.mib(s.rawMean()), Report.mib(s.raw(0.5)),
          Report.mib(s.raw(0.95)), Report.mib(s.raw(1.0))));
    }
    Report.table(t);
    Report.line("   host MemAvailable drop: %s MiB in total, %s MiB per sandbox (host-wide: includes kernel memory outside the "
        + "memcg, e.g. netns, veth, mounts, and whatever else on the host allocated or freed meanwhile)", Report.mib(availBefore - availAfter),
        Report.mib(perSandbox));
    Report.line("   JVM heap after GC (controller and bench share the JVM): %s MiB before, %s MiB with %d sandboxes (%s KiB each)",
        Report.mib(heapBefore), Report.mib(heapWith), made, made == 0 ? "-" : String.format("%.1f", (heapWith - heapBefore) / 1024.0 / made));
    HostCensus.print(List.of("before creating", "with " + made + " sandboxes", "after deleting"), List.of(before, during, after));
    List<String> leftovers = new ArrayList<>(after.growthSince(before));
    if (listed > 0) {
      leftovers.add(listed + " sandboxes still listed by the API");
    }
    Report.note(leftovers.isEmpty() ? "nothing left behind: every count is back where it started" : "LEFT BEHIND: " + leftovers);
    l.errors().forEach(e -> Report.note("error: " + e));
    l.cutShort().ifPresent(s -> Report.note("cut short: " + s));
    return new Result(n, made, deleted.get(), mem, perSandbox, leftovers, l.errors());
  }

  /** Runs {@code count} tasks on {@link #WORKERS} virtual threads; failures are recorded, not thrown. */
  private static void parallel(int count, Cleanup.Budget budget, Cleanup cleanup, Consumer<Integer> task,
      Latencies.Collector c) {
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < WORKERS; w++) {
        pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            try (Cleanup.Op op = cleanup.begin()) {
              budget.check();
              task.accept(i);
            } catch (Cleanup.OutOfTime e) {
              c.cutShort(e.getMessage());
              return;
            } catch (Cleanup.Aborted e) {
              return;
            } catch (RuntimeException e) {
              c.failed("sandbox " + i, e);
            }
          }
        });
      }
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Reading memory figures from /proc and the cgroup tree. */
  static final class Memory {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final boolean V2 = Files.exists(ROOT.resolve("cgroup.controllers"));

    private Memory() {}

    static long availableBytes() {
      try {
        for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
          if (l.startsWith("MemAvailable:")) {
            return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException e) {
        throw new IllegalStateException("cannot read MemAvailable from /proc/meminfo", e);
      }
      throw new IllegalStateException("no MemAvailable in /proc/meminfo");
    }

    private static Path dir(Instance i, String id) {
      return V2 ? ROOT.resolve("warren").resolve(i.name()).resolve(id) : ROOT.resolve("memory/warren").resolve(i.name()).resolve(id);
    }

    static OptionalLong cgroupUsage(Instance i, String id) {
      try {
        return OptionalLong.of(Long.parseLong(Files.readString(dir(i, id).resolve(V2 ? "memory.current" : "memory.usage_in_bytes")).strip()));
      } catch (IOException | NumberFormatException e) {
        return OptionalLong.empty();
      }
    }

    /** Anonymous memory: {@code total_rss} on v1, {@code anon} on v2. */
    static OptionalLong cgroupRss(Instance i, String id) {
      String key = V2 ? "anon " : "total_rss ";
      try {
        for (String l : Files.readAllLines(dir(i, id).resolve("memory.stat"))) {
          if (l.startsWith(key)) {
            return OptionalLong.of(Long.parseLong(l.substring(key.length()).strip()));
          }
        }
      } catch (IOException | NumberFormatException e) {
        // gone already
      }
      return OptionalLong.empty();
    }
  }
}
