package dev.warren.bench;

import dev.warren.host.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * N sessions at once, each loading a page: N virtual threads wait at a gate; when it opens, each
 * creates a session allowed to reach {@link BrowserSite} and loads the page with the navigate
 * action, reading its title. Then checks that the N are independent ({@link Independence}), and
 * deletes them at once. The floor: N Chromiums launched on the host at once, each loading the
 * same page over its own CDP socket.
 */
final class BrowserConcurrent {
  private BrowserConcurrent() {}

  /**
   * What the part measured.
   *
   * @param total per session, from create sent until the title was read
   * @param wallNanos from the gate opening until the last title was read
   */
  record Result(int requested, int loaded, Stats create, Stats navigate, Stats total, long wallNanos, long deleteWallNanos,
      Optional<Independence.Findings> independence, Optional<Floor> floor, List<String> errors) {}

  /** The floor: host Chromiums launched at once, each loading the page. */
  record Floor(int requested, int loaded, Stats launch, Stats load, Stats total, long wallNanos, List<String> errors) {}

  static Result run(BrowserApi api, Instance instance, ChromiumFloor floor, int n, Cleanup cleanup) {
    Report.note(n + " sessions at once, each loading a page (running)…");
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    Stats.Series create = new Stats.Series("create (POST /v1/browsers)");
    Stats.Series navigate = new Stats.Series("navigate action to title");
    Stats.Series total = new Stats.Series("create + page loaded");
    List<BrowserApi.Created> made = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> titles = Collections.synchronizedList(new ArrayList<>());
    long wall;
    long deleteWall = 0;
    Optional<Independence.Findings> independence = Optional.empty();
    try (BrowserSite site = new BrowserSite()) {
      String body = BrowserApi.allowing(site.allow());
      CountDownLatch gate = new CountDownLatch(1);
      long[] start = new long[1];
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < n; i++) {
          int idx = i;
          pool.submit(() -> {
            try (Cleanup.Op op = cleanup.begin()) {
              gate.await();
              long t0 = System.nanoTime();
              BrowserApi.Created c = api.create(body);
              made.add(c);
              long t1 = System.nanoTime();
              String title = api.navigate(c.id(), site.url());
              long t2 = System.nanoTime();
              create.add(t1 - t0);
              navigate.add(t2 - t1);
              total.add(t2 - t0);
              if (!title.equals(BrowserSite.TITLE)) {
                errors.add("session " + idx + " (" + c.id() + ") read the title '" + title + "'");
              } else {
                titles.add(true);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
              errors.add("session " + idx + ": " + e.getMessage());
            }
            return null;
          });
        }
        start[0] = System.nanoTime();
        gate.countDown();
      }
      wall = System.nanoTime() - start[0];
      if (cleanup.aborted()) {
        throw new Cleanup.Aborted();
      }
      try (Cleanup.Op op = cleanup.begin()) {
        independence = Optional.of(Independence.check(api, instance, List.copyOf(made)));
      } catch (Cleanup.Aborted e) {
        throw e;
      } catch (RuntimeException e) {
        errors.add("independence check: " + e.getMessage());
      }
      long d0 = System.nanoTime();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (BrowserApi.Created c : List.copyOf(made)) {
          pool.submit(() -> {
            try {
              api.delete(c.id());
            } catch (RuntimeException e) {
              errors.add("deleting " + c.id() + ": " + e.getMessage());
            }
          });
        }
      }
      deleteWall = System.nanoTime() - d0;
      Optional<Floor> f = Optional.empty();
      if (floor != null) {
        f = Optional.of(floor(floor, site, n, cleanup));
      }
      Result r = new Result(n, titles.size(), create.stats(), navigate.stats(), total.stats(), wall, deleteWall, independence, f,
          List.copyOf(errors));
      print(r);
      return r;
    }
  }

  private static Floor floor(ChromiumFloor floor, BrowserSite site, int n, Cleanup cleanup) {
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    Stats.Series launch = new Stats.Series("launch to DevTools line");
    Stats.Series load = new Stats.Series("CDP connect + load to title");
    Stats.Series total = new Stats.Series("launch + page loaded");
    List<ChromiumFloor.Host> hosts = Collections.synchronizedList(new ArrayList<>());
    int[] loaded = new int[1];
    CountDownLatch gate = new CountDownLatch(1);
    long start;
    try {
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < n; i++) {
          int idx = i;
          pool.submit(() -> {
            try (Cleanup.Op op = cleanup.begin()) {
              gate.await();
              long t0 = System.nanoTime();
              ChromiumFloor.Host h = floor.launch(BrowserLatency.CDP_T);
              hosts.add(h);
              long t1 = System.nanoTime();
              String title;
              try (Cdp cdp = Cdp.connect(h.browserWs(), BrowserLatency.CDP_T)) {
                title = cdp.loadPage(site.url(), Duration.ofSeconds(60));
              }
              long t2 = System.nanoTime();
              launch.add(t1 - t0);
              load.add(t2 - t1);
              total.add(t2 - t0);
              if (title.equals(BrowserSite.TITLE)) {
                synchronized (loaded) {
                  loaded[0]++;
                }
              } else {
                errors.add("host Chromium " + idx + " read the title '" + title + "'");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
              errors.add("host Chromium " + idx + ": " + e.getMessage());
            }
            return null;
          });
        }
        start = System.nanoTime();
        gate.countDown();
      }
    } finally {
      if (!cleanup.aborted()) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
          for (ChromiumFloor.Host h : List.copyOf(hosts)) {
            pool.submit(h::close);
          }
        }
      }
    }
    long wall = System.nanoTime() - start;
    return new Floor(n, loaded[0], launch.stats(), load.stats(), total.stats(), wall, List.copyOf(errors));
  }

  private static void print(Result r) {
    Report.line("   Warren: %d of %d sessions loaded the page; wall time %.2f s from the gate to the last title; deleted at once in %.2f s",
        r.loaded(), r.requested(), r.wallNanos() / 1e9, r.deleteWallNanos() / 1e9);
    Report.latencies(List.of(r.create(), r.navigate(), r.total()));
    r.errors().forEach(e -> Report.note("error: " + e));
    r.floor().ifPresent(f -> {
      Report.line("   host Chromium (floor): %d of %d loaded the page; wall time %.2f s from the gate to the last title (launch included)",
          f.loaded(), f.requested(), f.wallNanos() / 1e9);
      Report.latencies(List.of(f.launch(), f.load(), f.total()));
      f.errors().forEach(e -> Report.note("error: " + e));
      if (r.loaded() > 0 && f.loaded() > 0) {
        Report.line("   ratio of wall times, Warren / host Chromium: %.2fx; of per-session p50: %.2fx", (double) r.wallNanos() / f.wallNanos(),
            r.total().p50() / f.total().p50());
      }
    });
    r.independence().ifPresent(Independence.Findings::print);
  }
}
