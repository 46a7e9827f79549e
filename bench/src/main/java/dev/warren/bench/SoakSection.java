package dev.warren.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * Soak: N clients in parallel for a set time, each repeating cycles of work that create and
 * delete everything they make: a sandbox, a session in it, three commands, then the session and
 * the sandbox deleted; every third cycle a browser instead, navigated once through an action and
 * deleted. Prints operations per second by kind and every failure; compares what the host and the
 * controller hold (mounts, netns, veths, cgroups, processes, open fds, database rows) before and
 * after, and the heap after GC at the start, the middle and the end.
 */
final class SoakSection {
  /** How much the heap after GC may grow from the start (after warm-up) to the end and still count as flat. */
  static final long HEAP_SLACK = 16L << 20;
  private static final Duration CALL = Duration.ofSeconds(120);

  private SoakSection() {}

  record Result(int clients, long wallNanos, Map<String, Integer> counts, int errors, List<String> leftovers, long heapStart,
      long heapMiddle, long heapEnd) {
    boolean heapFlat() {
      return heapEnd <= heapStart + HEAP_SLACK;
    }
  }

  static Result run(BenchWarren w, Options o, Cleanup cleanup) throws InterruptedException {
    boolean browsers = o.soakBrowsers() && Files.isDirectory(BenchWarren.IMAGES.resolve("browser"));
    Report.title("Soak: " + o.clients() + " clients for " + o.soakSeconds() + " s"
        + (browsers ? "" : " (no browsers: " + (o.soakBrowsers() ? "the browser image is not built" : "--no-browsers") + ")"));
    Report.note("one cycle: sandbox create, session create, 3 session commands, session delete, sandbox delete"
        + (browsers ? "; every third cycle of a client instead: browser create, navigate (action), browser delete" : ""));
    Report.note("load average at the start: " + Machine.loadAverage());
    Path db = w.dataDir().resolve("warren.db");
    HostCensus hostBefore = w.census();

    // warm-up, not counted: one cycle of each kind per client, so that the baseline has every class
    // loaded and what is made once per controller (HTTP clients, pollers, carrier threads) made
    SoakOps warm = new SoakOps();
    clients(w, o.clients(), browsers, warm, System.nanoTime() + Duration.ofMinutes(5).toNanos(), 2, cleanup);
    ControllerCensus ctlBefore = ControllerCensus.take(db);
    long heapStart = ctlBefore.heap();

    SoakOps ops = new SoakOps();
    long t0 = System.nanoTime();
    long deadline = t0 + Duration.ofSeconds(o.soakSeconds()).toNanos();
    long[] heapMiddle = {-1};
    try (ExecutorService sampler = Executors.newVirtualThreadPerTaskExecutor()) {
      sampler.submit(() -> {
        try {
          Thread.sleep(Duration.ofSeconds(o.soakSeconds()).toMillis() / 2);
          heapMiddle[0] = ControllerCensus.gcAndMeasureHeap();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      clients(w, o.clients(), browsers, ops, deadline, Integer.MAX_VALUE, cleanup);
    }
    long wall = System.nanoTime() - t0;

    // deletions answer once done; give the last asynchronous steps a moment before counting
    HostCensus hostAfter = w.census();
    for (int i = 0; i < 20 && !hostAfter.growthSince(hostBefore).isEmpty(); i++) {
      Thread.sleep(500);
      hostAfter = w.census();
    }
    long heapEnd = ControllerCensus.gcAndMeasureHeap();
    ControllerCensus ctlAfter = ControllerCensus.take(db);

    Report.line("   ran %.1f s; %d operations, %d failed; load average at the end: %s", wall / 1e9,
        ops.counts().values().stream().mapToInt(Integer::intValue).sum(), ops.errors(), Machine.loadAverage());
    ops.print(wall);
    ops.firstErrors().forEach(e -> Report.note("error: " + e));
    HostCensus.print(List.of("before", "after"), List.of(hostBefore, hostAfter));
    printController(ctlBefore, ctlAfter);
    Report.line("   heap after GC (controller and bench share the JVM): %s MiB at the start (after warm-up), %s MiB in the middle, "
        + "%s MiB at the end", Report.mib(heapStart), heapMiddle[0] < 0 ? "-" : Report.mib(heapMiddle[0]), Report.mib(heapEnd));
    List<String> leftovers = new ArrayList<>(hostAfter.growthSince(hostBefore));
    leftovers.addAll(ctlAfter.growthSince(ctlBefore));
    Report.note(leftovers.isEmpty() ? "every count is back where it started" : "LEFT BEHIND: " + leftovers);
    return new Result(o.clients(), wall, ops.counts(), ops.errors() + warm.errors(), leftovers, heapStart, heapMiddle[0], heapEnd);
  }

  private static void printController(ControllerCensus before, ControllerCensus after) {
    List<List<String>> t = new ArrayList<>();
    t.add(List.of("controller", "before", "after"));
    t.add(List.of("open fds", Integer.toString(before.fds()), Integer.toString(after.fds())));
    t.add(List.of("  + " + ControllerCensus.USER_NAMESPACE, Integer.toString(before.fdKinds().getOrDefault(ControllerCensus.USER_NAMESPACE, 0)),
        Integer.toString(after.fdKinds().getOrDefault(ControllerCensus.USER_NAMESPACE, 0))));
    t.add(List.of("platform threads", Integer.toString(before.threads()), Integer.toString(after.threads())));
    t.add(List.of("child processes", Long.toString(before.children()), Long.toString(after.children())));
    for (String table : after.rows().keySet()) {
      String note = ControllerCensus.HISTORY.contains(table) ? " (history, grows)" : "";
      t.add(List.of("rows of " + table + note, Long.toString(before.rows().getOrDefault(table, 0L)), Long.toString(after.rows().get(table))));
    }
    Report.table(t);
  }

  /** Runs {@code n} clients until {@code deadline} or {@code maxCycles} cycles each. */
  private static void clients(BenchWarren w, int n, boolean browsers, SoakOps ops, long deadline, int maxCycles, Cleanup cleanup) {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int k = 0; k < n; k++) {
        int client = k;
        pool.submit(() -> {
          try (ApiClient api = ApiClient.open(w)) {
            for (int cycle = 0; cycle < maxCycles && System.nanoTime() < deadline && !cleanup.aborted(); cycle++) {
              boolean browser = browsers && (maxCycles == 2 ? cycle == 1 : (cycle + client) % 3 == 2);
              try (Cleanup.Op op = cleanup.begin()) {
                if (browser) {
                  browserCycle(api, ops, client);
                } else {
                  sandboxCycle(api, ops, client, cycle);
                }
              } catch (Cleanup.Aborted e) {
                return;
              } catch (RuntimeException e) {
                // recorded by ops; the cycle removed what it made
              }
            }
          }
        });
      }
      pool.shutdown();
      try {
        if (!pool.awaitTermination(Duration.ofMinutes(10).toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("soak clients did not finish within 10 minutes after the deadline");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Cleanup.Aborted();
      }
    }
  }

  private static void sandboxCycle(ApiClient api, SoakOps ops, int client, int cycle) {
    String id = ops.time("sandbox create", () -> api.post("/v1/sandboxes", "{\"labels\": {\"soak\": \"" + client + "\"}}", CALL)
        .expect(201).json().path("id").asString());
    try {
      String base = "/v1/sandboxes/" + id + "/sessions";
      String sid = ops.time("session create", () -> api.post(base, "{}", CALL).expect(201).json().path("id").asString());
      for (int i = 0; i < 3; i++) {
        String expected = "soak-" + client + "-" + cycle + "-" + i;
        JsonNode job = ops.time("session command", () -> api.post(base + "/" + sid + "/commands",
            ApiClient.field("command", "echo " + expected), CALL).expect(200).json());
        if (!job.path("stdout").asString().equals(expected + "\n")) {
          ops.time("session command", () -> {
            throw new IllegalStateException("command answered " + job);
          });
        }
      }
      ops.time("session delete", () -> api.delete(base + "/" + sid, CALL).expect(204));
    } finally {
      ops.time("sandbox delete", () -> api.delete("/v1/sandboxes/" + id, CALL).expect(204));
    }
  }

  private static void browserCycle(ApiClient api, SoakOps ops, int client) {
    String id = ops.time("browser create", () -> api.post("/v1/browsers", "{}", CALL).expect(201).json().path("id").asString());
    try {
      JsonNode page = ops.time("browser navigate", () -> api.post("/v1/browsers/" + id + "/actions/navigate",
          ApiClient.field("url", "data:text/html,<title>soak " + client + "</title><p>soak</p>"), CALL).expect(200).json());
      if (!page.toString().contains("soak " + client)) {
        ops.time("browser navigate", () -> {
          throw new IllegalStateException("navigate answered " + page);
        });
      }
    } finally {
      ops.time("browser delete", () -> api.delete("/v1/browsers/" + id, CALL).expect(204));
    }
  }
}
