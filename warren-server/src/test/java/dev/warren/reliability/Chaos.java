package dev.warren.reliability;

import dev.warren.client.Warren;
import dev.warren.host.Instance;
import dev.warren.testing.InstanceRemnants;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The chaos run: a controller ({@code warren serve} as a child process, on a fixed port) with a
 * population of idle sandboxes, N {@link ChaosClient}s doing mixed work, and the controller
 * SIGKILLed K times at random moments, each time started again at once. Afterwards the checks
 * ({@link ChaosChecks}), a delete of everything (what will not go is undeletable), the teardown
 * and what it left on the host. Drives {@code ./warren bench chaos} and {@link ChaosTest}.
 */
public final class Chaos {
  /**
   * @param clients parallel clients of mixed work
   * @param kills SIGKILLs of the controller
   * @param browsers whether clients make and close browsers too (needs the browser image)
   * @param population idle sandboxes present throughout (a restart reconciles them all)
   * @param minGap shortest time the clients work between a ready controller and the next kill
   * @param maxGap longest such time
   */
  public record Settings(int clients, int kills, boolean browsers, int population, Duration minGap, Duration maxGap, long seed) {
    public Settings {
      if (clients < 1 || kills < 0 || population < 0 || minGap.compareTo(maxGap) > 0) {
        throw new IllegalArgumentException("bad chaos settings: " + clients + " clients, " + kills + " kills, " + population
            + " population, gap " + minGap + ".." + maxGap);
      }
    }
  }

  private Chaos() {}

  public static ChaosResult run(Settings s, Consumer<String> out) throws InterruptedException {
    return run(s, out, controller -> {});
  }

  /** {@code onController} is given the controller as soon as it runs, e.g. to close it on Ctrl-C; closing twice is harmless. */
  public static ChaosResult run(Settings s, Consumer<String> out, Consumer<AutoCloseable> onController) throws InterruptedException {
    quietSdk();
    TestWarren.ensureBaseImage();
    if (s.browsers()) {
      TestWarren.ensureImage("browser");
    }
    Map<String, String> env = new HashMap<>();
    env.put("WARREN_LISTEN", TestWarren.freeListenAddress());
    env.put("WARREN_MAX_SANDBOXES", "1024");
    env.put("WARREN_IDLE_TIMEOUT", "0");
    long t0 = System.nanoTime();
    TestWarren w = TestWarren.start(env);
    onController.accept(w);
    Instance instance = w.instance();
    out.accept("controller pid " + w.pid() + " on " + w.base() + ", data " + w.dataDir() + ", instance " + instance.name());
    ChaosLedger ledger = new ChaosLedger();
    List<long[]> kills = Collections.synchronizedList(new ArrayList<>());
    List<Long> ready = new ArrayList<>();
    BootStepLog steps = new BootStepLog();
    Set<String> population = ConcurrentHashMap.newKeySet();
    ChaosChecks.Found found;
    List<String> undeletable;
    int present;
    try (Warren sdk = ChaosClient.patientSdk(w.base(), w.token())) {
      populate(sdk, s.population(), population, out);
      List<ChaosClient> clients = new ArrayList<>();
      Semaphore browserSlot = new Semaphore(1);
      KeyedCreate keyed = new KeyedCreate(w.base(), w.token());
      for (int i = 0; i < s.clients(); i++) {
        ChaosClient c = new ChaosClient(i, sdk, keyed, ledger, s.browsers(), browserSlot, ChaosClient.PATIENCE, s.seed() + i);
        c.prepare();
        clients.add(c);
      }
      present = w.get("/v1/sandboxes").json().path("sandboxes").size();
      AtomicBoolean stop = new AtomicBoolean();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> running = new ArrayList<>();
        clients.forEach(c -> running.add(pool.submit(() -> c.run(stop::get))));
        Random random = new Random(s.seed());
        try {
          for (int k = 1; k <= s.kills(); k++) {
            long gap = s.minGap().toMillis() + (long) (random.nextDouble() * (s.maxGap().toMillis() - s.minGap().toMillis()));
            Thread.sleep(gap);
            long killed = System.nanoTime();
            w.stopProcess(true);
            long started = System.nanoTime();
            w.relaunch();
            awaitReady(w);
            long up = System.nanoTime();
            kills.add(new long[] {killed, up});
            ready.add((up - started) / 1_000_000);
            steps.record(w);
            if (k % 10 == 0 || k == s.kills()) {
              out.accept(String.format("kill %d of %d: ready %d ms after the start; %s", k, s.kills(), ready.getLast(),
                  ledger.acknowledged()));
            }
          }
          Thread.sleep(s.minGap().toMillis());
        } finally {
          stop.set(true);
        }
        for (Future<?> f : running) {
          try {
            f.get(5, TimeUnit.MINUTES);
          } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            out.accept("a client did not end cleanly: " + e);
          }
        }
      }
      out.accept("clients stopped; checking what the controller shows against what they were told");
      found = ChaosChecks.run(w, ledger, population, kills);
      undeletable = deleteEverything(w, sdk, out);
    } catch (RuntimeException | InterruptedException e) {
      closeQuietly(w, out);
      throw e;
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    List<String> leftovers = new ArrayList<>();
    try {
      w.close();
    } catch (RuntimeException e) {
      leftovers.add("teardown failed: " + e.getMessage());
    }
    leftovers.addAll(InstanceRemnants.of(instance, w.dataDir(), w.dataDir()));
    List<String> unexplained = ledger.failuresOutside(kills).stream()
        .map(f -> "client " + f.client() + " " + f.kind() + ": " + (f.status() == 0 ? "no answer" : f.status()) + " " + f.message()).toList();
    return new ChaosResult(s.kills(), ready, present, wall, ledger.acknowledged(), found.answerLost(), found.sdkAcrossKills(),
        found.lost(), found.resurrected(), found.duplicates(), found.notRunning(), found.strays(), found.counterRegressions(),
        found.lostWrites(), found.browserProblems(), undeletable, leftovers, unexplained, steps.medians());
  }

  private static final java.util.logging.Logger SDK_LOG = java.util.logging.Logger.getLogger("dev.warren.client");

  /** The SDK logs every retry (at INFO, through java.util.logging here): hundreds per kill. */
  static void quietSdk() {
    SDK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  /** Polls {@code /readyz} every 10 ms until it answers 200 (a minute at most). */
  static void awaitReady(TestWarren w) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (System.nanoTime() < deadline) {
      try {
        if (w.get("/readyz").status() == 200) {
          return;
        }
      } catch (RuntimeException e) {
        // not listening yet
      }
      sleep(10);
    }
    throw new IllegalStateException("the controller was not ready within a minute:\n" + w.log(40));
  }

  private static void populate(Warren sdk, int n, Set<String> ids, Consumer<String> out) throws InterruptedException {
    if (n == 0) {
      return;
    }
    long t0 = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(4, Thread.ofVirtual().factory())) {
      for (int i = 0; i < n; i++) {
        pool.submit(() -> ids.add(sdk.sandboxes().create(dev.warren.client.SandboxSpec.builder().label("chaos", "population").build()).id()));
      }
    }
    if (ids.size() != n) {
      throw new IllegalStateException("made " + ids.size() + " of " + n + " idle sandboxes");
    }
    out.accept(String.format("%d idle sandboxes made in %.0f s", n, (System.nanoTime() - t0) / 1e9));
  }

  /** Deletes every sandbox and browser, 4 at a time; answers those that would not go within 60 s. */
  private static List<String> deleteEverything(TestWarren w, Warren sdk, Consumer<String> out) throws InterruptedException {
    long t0 = System.nanoTime();
    try {
      sdk.browsers().deleteAll();
    } catch (RuntimeException e) {
      out.accept("closing the browsers failed: " + e.getMessage());
    }
    List<String> ids = new ArrayList<>();
    w.get("/v1/sandboxes").json().path("sandboxes").forEach(s -> ids.add(s.path("id").asString()));
    List<String> undeletable = Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService pool = Executors.newFixedThreadPool(4, Thread.ofVirtual().factory())) {
      for (String id : ids) {
        pool.submit(() -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          TestWarren.Resp r = w.delete("/v1/sandboxes/" + id);
          while (r.status() != 204 && r.status() != 404 && System.nanoTime() < deadline) {
            sleep(500);
            r = w.delete("/v1/sandboxes/" + id);
          }
          if (r.status() != 204 && r.status() != 404) {
            undeletable.add(id + ": " + r);
          }
        });
      }
    }
    out.accept(String.format("%d sandboxes deleted in %.1f s", ids.size() - undeletable.size(), (System.nanoTime() - t0) / 1e9));
    return undeletable;
  }

  private static void closeQuietly(TestWarren w, Consumer<String> out) {
    try {
      w.close();
    } catch (RuntimeException e) {
      out.accept("teardown after a failure failed too: " + e.getMessage());
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
