package dev.warren.bench;

import dev.warren.host.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Memory of idle browser sessions: K sessions (each on about:blank, nobody connected) and K
 * host Chromiums (the floor, also on about:blank) left idle together, then the PSS, USS and RSS
 * summed over every process in each session's sandbox (its cgroup), the part of it that is
 * Chromium, the sandbox's memory cgroup, and the same sums over each host Chromium's process
 * tree. K of each, so that both sides share their Chromium binary's pages K ways (PSS divides a
 * shared page among the processes mapping it).
 */
final class BrowserMemory {
  static final long IDLE_MILLIS = 5000;

  private BrowserMemory() {}

  /** One session's figures, in bytes. */
  record Session(String browserId, String sandboxId, ProcessMemory.Rollup all, ProcessMemory.Rollup chromium, long memcgUsage,
      long memcgRss) {}

  /** What the part measured: one row per session, one per host Chromium. */
  record Result(int requested, List<Session> sessions, List<ProcessMemory.Rollup> floor, List<String> errors) {
    Result {
      sessions = List.copyOf(sessions);
      floor = List.copyOf(floor);
      errors = List.copyOf(errors);
    }

    Stats pss() {
      return new Stats("PSS per session", sessions.stream().mapToLong(s -> s.all().pss()).toArray());
    }

    Stats floorPss() {
      return new Stats("PSS per host Chromium", floor.stream().mapToLong(ProcessMemory.Rollup::pss).toArray());
    }

    Stats memcg() {
      return new Stats("memcg usage per session", sessions.stream().filter(s -> s.memcgUsage() >= 0).mapToLong(Session::memcgUsage).toArray());
    }
  }

  static Result run(BrowserApi api, Instance instance, ChromiumFloor floor, int k, Cleanup cleanup, Cleanup.Budget budget) {
    Report.note("idle memory: " + k + " sessions and " + k + " host Chromiums left idle on about:blank for " + IDLE_MILLIS / 1000
        + " s (running)…");
    List<String> errors = new ArrayList<>();
    List<BrowserApi.Created> made = new ArrayList<>();
    List<ChromiumFloor.Host> hosts = new ArrayList<>();
    List<Session> sessions = new ArrayList<>();
    List<ProcessMemory.Rollup> floorMem = new ArrayList<>();
    try (Cleanup.Op op = cleanup.begin()) {
      for (int i = 0; i < k; i++) {
        budget.check();
        try {
          made.add(api.create("{}"));
        } catch (Cleanup.Aborted | Cleanup.OutOfTime e) {
          throw e;
        } catch (RuntimeException e) {
          errors.add("session " + i + ": " + e.getMessage());
        }
      }
      for (int i = 0; floor != null && i < k; i++) {
        try {
          hosts.add(floor.launch(BrowserLatency.CDP_T));
        } catch (RuntimeException e) {
          errors.add("host Chromium " + i + ": " + e.getMessage());
        }
      }
      BrowserApi.sleep(IDLE_MILLIS);
      for (BrowserApi.Created c : made) {
        List<Long> pids = ProcessMemory.sandboxPids(instance, c.sandboxId());
        ProcessMemory.Rollup all = ProcessMemory.sum(pids);
        ProcessMemory.Rollup chromium = ProcessMemory.sum(pids.stream().filter(ProcessMemory::isChromium).toList());
        sessions.add(new Session(c.id(), c.sandboxId(), all, chromium,
            IdleSection.Memory.cgroupUsage(instance, c.sandboxId()).orElse(-1), IdleSection.Memory.cgroupRss(instance, c.sandboxId()).orElse(-1)));
      }
      for (ChromiumFloor.Host h : hosts) {
        floorMem.add(ProcessMemory.sum(h.pids()));
      }
    } finally {
      if (!cleanup.aborted()) {
        for (BrowserApi.Created c : made) {
          try {
            api.delete(c.id());
          } catch (RuntimeException e) {
            errors.add("deleting " + c.id() + ": " + e.getMessage());
          }
        }
        hosts.forEach(ChromiumFloor.Host::close);
      }
    }
    Result r = new Result(k, sessions, floorMem, errors);
    print(r);
    return r;
  }

  private static void print(Result r) {
    List<List<String>> t = new ArrayList<>();
    t.add(List.of("(MiB)", "processes", "PSS", "USS", "RSS", "Chromium PSS", "memcg usage", "memcg rss"));
    for (Session s : r.sessions()) {
      t.add(List.of(s.browserId(), Integer.toString(s.all().processes()), Report.mib(s.all().pss()), Report.mib(s.all().uss()),
          Report.mib(s.all().rss()), Report.mib(s.chromium().pss()), s.memcgUsage() < 0 ? "-" : Report.mib(s.memcgUsage()),
          s.memcgRss() < 0 ? "-" : Report.mib(s.memcgRss())));
    }
    if (!r.sessions().isEmpty()) {
      t.add(row("mean per session", r.sessions(), true));
      t.add(row("max per session", r.sessions(), false));
    }
    if (!r.floor().isEmpty()) {
      t.add(floorRow("host Chromium (floor), mean", r.floor(), true));
      t.add(floorRow("host Chromium (floor), max", r.floor(), false));
    }
    Report.table(t);
    Report.note("PSS/USS/RSS: /proc/<pid>/smaps_rollup summed over every process in the sandbox's cgroup (Chromium, tini,");
    Report.note("  init.sh, agent.sh) or in the host Chromium's process tree; Chromium PSS: only Chromium's own processes.");
    Report.note("  PSS divides a shared page among the processes mapping it: the K sessions share the image's Chromium, the K host");
    Report.note("  Chromiums the host's (and any other Chromium running on this host meanwhile)");
    if (!r.sessions().isEmpty() && !r.floor().isEmpty()) {
      Report.line("   mean PSS, session / host Chromium: %.2fx", r.pss().rawMean() / r.floorPss().rawMean());
    }
    r.errors().forEach(e -> Report.note("error: " + e));
  }

  private static List<String> floorRow(String name, List<ProcessMemory.Rollup> f, boolean mean) {
    List<String> out = new ArrayList<>(List.of(name, String.format(Locale.ROOT, "%.1f", f.stream().mapToInt(ProcessMemory.Rollup::processes)
        .average().orElse(Double.NaN))));
    for (java.util.function.ToLongFunction<ProcessMemory.Rollup> c : List.<java.util.function.ToLongFunction<ProcessMemory.Rollup>>of(
        ProcessMemory.Rollup::pss, ProcessMemory.Rollup::uss, ProcessMemory.Rollup::rss, ProcessMemory.Rollup::pss)) {
      long[] v = f.stream().mapToLong(c).toArray();
      out.add(Report.mib(mean ? java.util.Arrays.stream(v).average().orElseThrow() : java.util.Arrays.stream(v).max().orElseThrow()));
    }
    out.addAll(List.of("-", "-"));
    return out;
  }

  private static List<String> row(String name, List<Session> s, boolean mean) {
    List<String> out = new ArrayList<>(List.of(name, String.format(Locale.ROOT, "%.1f", s.stream().mapToInt(x -> x.all().processes())
        .average().orElse(Double.NaN))));
    List<java.util.function.ToLongFunction<Session>> cols = List.of(x -> x.all().pss(), x -> x.all().uss(), x -> x.all().rss(),
        x -> x.chromium().pss(), Session::memcgUsage, Session::memcgRss);
    for (var c : cols) {
      long[] v = s.stream().mapToLong(c).filter(x -> x >= 0).toArray();
      if (v.length == 0) {
        out.add("-");
      } else {
        out.add(Report.mib(mean ? java.util.Arrays.stream(v).average().orElseThrow() : java.util.Arrays.stream(v).max().orElseThrow()));
      }
    }
    return out;
  }
}
