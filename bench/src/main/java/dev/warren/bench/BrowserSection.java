package dev.warren.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Browser sessions: create-to-CDP-ready cold, interleaved with Chromium launched on the host (the
 * floor); memory of idle sessions beside an idle host Chromium; N sessions at once each loading a
 * page, checked to be independent, beside N host Chromiums doing the same; create-to-CDP-ready from
 * the warm pool of a second controller. Then checks that nothing is left: no browser, sandbox,
 * mount, netns, veth, cgroup or process of the main controller's instance, no host Chromium, no
 * floor directory, and nothing of the second controller's instance after its teardown.
 */
final class BrowserSection {
  private BrowserSection() {}

  /**
   * What the section measured; a part that did not get to run is empty.
   *
   * @param cold Warren without a pool; {@code floor} host Chromium, interleaved with it
   * @param leftovers what the section left on the host (empty when nothing)
   */
  record Result(Optional<Latencies> cold, Optional<Latencies> floor, Optional<BrowserLatency.Warm> warm, int poolSize,
      Optional<BrowserMemory.Result> memory, Optional<BrowserConcurrent.Result> concurrent, List<String> leftovers, List<String> failures) {
    Result {
      leftovers = List.copyOf(leftovers);
      failures = List.copyOf(failures);
    }
  }

  static Result run(BenchWarren w, Path benchDir, Options options, Cleanup cleanup) {
    Options.Browsers o = options.browsers();
    Report.title("Browser sessions: create-to-CDP-ready (cold, warm pool, host Chromium floor), idle memory, "
        + o.concurrency() + " at once");
    Report.note("load average at the start of the section: " + Machine.loadAverage());
    Cleanup.Budget budget = cleanup.budget("the browsers section", options.sectionBudget());
    List<String> failures = new ArrayList<>();
    if (!Files.isDirectory(BenchWarren.IMAGES.resolve("browser"))) {
      failures.add("browsers section: no browser image in " + BenchWarren.IMAGES + " (build it with ./warren up or warren image build browser)");
      return new Result(Optional.empty(), Optional.empty(), Optional.empty(), o.pool(), Optional.empty(), Optional.empty(), List.of(),
          failures);
    }
    HostCensus before = w.census();
    ApiClient client = ApiClient.open(w);
    cleanup.push("the browsers section's HTTP client", client);
    BrowserApi api = new BrowserApi(client);
    ChromiumFloor floor = ChromiumFloor.open(benchDir.resolve("chromium-floor"));
    cleanup.push("the host Chromiums of the browsers section", floor);
    Parts p = new Parts();
    try {
      Report.note("create-to-CDP-ready, cold (no pool) and host Chromium alternating: " + o.iterations() + " iterations each after "
          + o.warmup() + " warm-up (running)…");
      List<BrowserLatency.Measured> cold = BrowserLatency.cold(api, floor, o.warmup(), o.iterations(), cleanup, budget);
      p.cold = cold.get(0).latencies();
      p.floor = cold.get(1).latencies();
      printCold(cold.get(0), cold.get(1));
      p.memory = BrowserMemory.run(api, w.instance(), floor, o.idle(), cleanup, budget);
      budget.check();
      p.concurrent = BrowserConcurrent.run(api, w.instance(), floor, o.concurrency(), cleanup);
      budget.check();
      p.warm = warm(benchDir, o, cleanup, budget, p);
    } catch (Cleanup.Aborted e) {
      throw e;
    } catch (RuntimeException e) {
      failures.add("browsers section: " + e);
    } finally {
      if (!cleanup.aborted()) {
        try {
          int closed = api.deleteAll();
          if (closed > 0) {
            failures.add("browsers section: " + closed + " session(s) were still open at its end");
          }
        } catch (RuntimeException e) {
          failures.add("browsers section: closing the sessions left: " + e.getMessage());
        }
        try {
          floor.close();
        } catch (RuntimeException e) {
          failures.add("browsers section: removing the host Chromiums: " + e.getMessage());
        }
      }
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
    HostCensus after = w.census();
    List<String> leftovers = leftovers(api, before, after, floor, p);
    client.close();
    HostCensus.print(List.of("before the section", "after the section"), List.of(before, after));
    Report.note(leftovers.isEmpty() ? "nothing left behind: no browsers, sandboxes, mounts, netns, veths, cgroups, processes, host Chromiums "
        + "or directories" : "LEFT BEHIND: " + leftovers);
    Report.note("load average at the end of the section: " + Machine.loadAverage());
    collectFailures(p, failures);
    return new Result(Optional.ofNullable(p.cold), Optional.ofNullable(p.floor), Optional.ofNullable(p.warm), o.pool(),
        Optional.ofNullable(p.memory), Optional.ofNullable(p.concurrent), leftovers, failures);
  }

  private static void printCold(BrowserLatency.Measured warren, BrowserLatency.Measured host) {
    Latencies cold = warren.latencies();
    Latencies floor = host.latencies();
    Report.note("Warren, cold (POST /v1/browsers with {}: headless, 1280x720, no egress; sandbox limits 2 GiB, 4096 pids, 2 cpus), "
        + "CDP through Warren's proxy:");
    warren.print();
    Report.note("host Chromium (" + ChromiumFloor.BINARY + " " + String.join(" ", ChromiumFloor.FLAGS)
        + " --user-data-dir=<fresh> about:blank), CDP on its own socket:");
    host.print();
    if (cold.total().n() > 0 && floor.total().n() > 0) {
      Report.line("   ratio of p50 create-to-CDP-ready, Warren cold / host Chromium: %.2fx", cold.total().p50() / floor.total().p50());
    }
  }

  /** The warm part, on a second controller with a pool, closed (and checked) before this returns. */
  private static BrowserLatency.Warm warm(Path benchDir, Options.Browsers o, Cleanup cleanup, Cleanup.Budget budget, Parts p) {
    Path data = benchDir.resolve("data-pool");
    long t0 = System.nanoTime();
    BenchWarren pooled = BenchWarren.start(data, Map.of("WARREN_BROWSER_POOL", Integer.toString(o.pool())));
    cleanup.push("the browsers section's pooled controller", pooled);
    BrowserLatency.Warm warm;
    try (ApiClient client = ApiClient.open(pooled)) {
      BrowserApi api = new BrowserApi(client);
      Report.note(String.format("second controller with WARREN_BROWSER_POOL=%d started in %.0f ms (instance %s)", o.pool(),
          (System.nanoTime() - t0) / 1e6, pooled.instance().name()));
      long f0 = System.nanoTime();
      api.awaitPool(o.pool(), BrowserLatency.POOL_WAIT, budget);
      Report.note(String.format("its pool held %d ready browsers %.1f s after the start; create-to-CDP-ready from the pool: %d iterations "
          + "after %d warm-up, each once the pool is full again (running)…", o.pool(), (System.nanoTime() - f0) / 1e9, o.iterations(),
          o.warmup()));
      warm = BrowserLatency.warm(api, o.pool(), o.warmup(), o.iterations(), cleanup, budget);
      Report.note("Warren, warm (" + warm.fromPool() + " of " + warm.latencies().total().n() + " measured creates were handed out from the pool):");
      warm.measured().print();
      Report.latencies(List.of(warm.refill()));
      if (p.cold != null && p.cold.total().n() > 0 && warm.latencies().total().n() > 0) {
        Report.line("   p50 create-to-CDP-ready: warm %.1f ms, cold %.1f ms (%.1fx faster)", warm.latencies().total().p50(), p.cold.total().p50(),
            p.cold.total().p50() / warm.latencies().total().p50());
      }
    }
    if (cleanup.aborted()) {
      throw new Cleanup.Aborted();
    }
    var instance = pooled.instance();
    pooled.close();
    p.pooledRemnants = dev.warren.testing.InstanceRemnants.of(instance, data, data);
    Report.note(p.pooledRemnants.isEmpty() ? "second controller closed: nothing of " + instance.name() + " is left"
        : "second controller closed; LEFT BEHIND: " + p.pooledRemnants);
    return warm;
  }

  private static List<String> leftovers(BrowserApi api, HostCensus before, HostCensus after, ChromiumFloor floor, Parts p) {
    List<String> out = new ArrayList<>();
    try {
      List<String> live = api.live();
      if (!live.isEmpty()) {
        out.add(live.size() + " browser sessions still listed");
      }
    } catch (RuntimeException e) {
      out.add("cannot list the browser sessions: " + e.getMessage());
    }
    out.addAll(after.growthSince(before));
    int chromiums = floor.processesLeft();
    if (chromiums > 0) {
      out.add(chromiums + " host Chromium processes");
    }
    if (Files.exists(floor.dir())) {
      out.add("directory " + floor.dir());
    }
    if (p.pooledRemnants != null) {
      out.addAll(p.pooledRemnants);
    }
    return out;
  }

  private static void collectFailures(Parts p, List<String> failures) {
    for (var e : new Object[][] {{"cold creates", p.cold}, {"host Chromium launches", p.floor}}) {
      if (e[1] instanceof Latencies l && !l.complete()) {
        failures.add("browsers, " + e[0] + ": " + l.failures() + " failure(s)" + l.cutShort().map(c -> ", " + c).orElse(""));
      }
    }
    if (p.warm != null && !p.warm.latencies().complete()) {
      failures.add("browsers, warm creates: " + p.warm.latencies().failures() + " failure(s)"
          + p.warm.latencies().cutShort().map(c -> ", " + c).orElse(""));
    }
    if (p.memory != null && !p.memory.errors().isEmpty()) {
      failures.add("browsers, idle memory: " + p.memory.errors().getFirst());
    }
    if (p.concurrent != null) {
      p.concurrent.errors().stream().findFirst().ifPresent(e -> failures.add("browsers, concurrent: " + e));
      p.concurrent.floor().flatMap(f -> f.errors().stream().findFirst()).ifPresent(e -> failures.add("browsers, concurrent floor: " + e));
    }
  }

  /** The parts measured so far. */
  private static final class Parts {
    Latencies cold;
    Latencies floor;
    BrowserLatency.Warm warm;
    BrowserMemory.Result memory;
    BrowserConcurrent.Result concurrent;
    List<String> pooledRemnants;
  }
}
