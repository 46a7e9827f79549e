package dev.warren.reliability;

import dev.warren.client.Warren;
import dev.warren.testing.TestWarren;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * One fault under load, on a running controller: {@link ChaosClient}s work (through an SDK that
 * does not retry, so that every answer is seen), the fault is switched on, held, switched off;
 * then a probe repeats a call that needs what failed until it works. Failures while the fault
 * lasted are sorted into those that name it and the rest; the {@link ChaosChecks} then say
 * whether anything acknowledged was lost. Used by one thread.
 */
final class FaultRun {
  /** Switches the fault on and off. */
  interface Fault {
    void begin() throws Exception;

    void end() throws Exception;
  }

  /** Calls that need what the fault broke; throws while it is still broken. */
  interface Probe {
    void run(Target t) throws Exception;
  }

  /** What a probe may use: the controller, and a sandbox with a session made for the probe before the fault. */
  record Target(TestWarren w, String sandbox, String session) {}

  private static final Duration WARM = Duration.ofSeconds(2);
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(60);

  private FaultRun() {}

  /** {@code namesIt}: whether a failure's status and message name the fault. */
  static FaultResult run(String name, TestWarren w, int clients, Fault fault, Duration hold, Predicate<ChaosLedger.Failure> namesIt,
      Probe probe, List<String> problems, List<String> notes) throws Exception {
    Chaos.quietSdk();
    ChaosLedger ledger = new ChaosLedger();
    AtomicBoolean stop = new AtomicBoolean();
    long begun;
    long ended;
    long recovered = -1;
    long recoveredAt;
    String probeSandbox = w.createSandbox("{\"labels\": {\"chaos\": \"probe\"}}");
    Target target = new Target(w, probeSandbox, w.post("/v1/sandboxes/" + probeSandbox + "/sessions", "{}").json().path("id").asString());
    try (Warren sdk = Warren.builder().baseUrl(w.base().toString()).token(w.token()).maxAttempts(1).requestTimeout(Duration.ofMinutes(1))
        .build(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      KeyedCreate keyed = new KeyedCreate(w.base(), w.token());
      List<ChaosClient> cs = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        ChaosClient c = new ChaosClient(i, sdk, keyed, ledger, false, new Semaphore(0), Duration.ZERO, 7 + i);
        c.prepare();
        cs.add(c);
      }
      List<Future<?>> running = new ArrayList<>();
      cs.forEach(c -> running.add(pool.submit(() -> c.run(stop::get))));
      try {
        Thread.sleep(WARM.toMillis());
        long b0 = System.nanoTime();
        probe.run(target);
        notes.add("probe before the fault: " + (System.nanoTime() - b0) / 1_000_000 + " ms");
        begun = System.nanoTime();
        holdFault(fault, hold);
        ended = System.nanoTime();
        recovered = recover(probe, target, ended, notes);
        recoveredAt = System.nanoTime();
        Thread.sleep(WARM.toMillis());
      } finally {
        stop.set(true);
      }
      for (Future<?> f : running) {
        f.get(5, TimeUnit.MINUTES);
      }
    }
    // calls that overlapped the fault or the probe's attempts to get through count as during it
    long windowEnd = recovered < 0 ? System.nanoTime() : recoveredAt;
    int named = 0;
    List<String> unclear = new ArrayList<>();
    for (ChaosLedger.Failure f : ledger.failures()) {
      if (f.overlaps(begun, windowEnd)) {
        if (namesIt.test(f)) {
          named++;
        } else {
          unclear.add(describe(f));
        }
      }
    }
    List<String> unexplained = ledger.failuresOutside(List.of(new long[] {begun, windowEnd})).stream().map(FaultRun::describe).toList();
    ChaosChecks.Found found = ChaosChecks.run(w, ledger, Set.of(probeSandbox), List.of());
    List<String> all = new ArrayList<>(problems);
    found.lost().forEach(x -> all.add("acknowledged create lost: " + x));
    found.resurrected().forEach(x -> all.add("acknowledged delete resurrected: " + x));
    found.duplicates().forEach(x -> all.add("create made two: " + x));
    found.notRunning().forEach(x -> all.add("acknowledged sandbox not running: " + x));
    found.strays().forEach(x -> all.add("sandbox nobody asked for: " + x));
    found.counterRegressions().forEach(x -> all.add("counter: " + x));
    found.lostWrites().forEach(x -> all.add("file write lost: " + x));
    notes.add("acknowledged: " + ledger.acknowledged());
    return new FaultResult(name, (ended - begun) / 1e9, named, unclear, recovered, all, unexplained, new ArrayList<>(), notes);
  }

  /**
   * Begins the fault, holds it and ends it; ends it also when beginning it failed halfway (a killer
   * thread left running would go on killing the crun calls of the next instance given its number).
   */
  private static void holdFault(Fault fault, Duration hold) throws Exception {
    try {
      fault.begin();
      Thread.sleep(hold.toMillis());
    } catch (Exception e) {
      try {
        fault.end();
      } catch (Exception again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    fault.end();
  }

  /**
   * Milliseconds from {@code endedNanos} to the start of the first probe attempt that works (calls
   * made from then on work; the attempt's own duration is noted beside the one before the fault);
   * -1 when none works within a minute.
   */
  private static long recover(Probe probe, Target target, long endedNanos, List<String> notes) throws InterruptedException {
    long deadline = endedNanos + RECOVERY_LIMIT.toNanos();
    String last = "";
    for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
      long t0 = System.nanoTime();
      try {
        probe.run(target);
        notes.add("probe after the fault: attempt " + attempt + " worked, started " + (t0 - endedNanos) / 1_000_000 + " ms after the end, took "
            + (System.nanoTime() - t0) / 1_000_000 + " ms" + (last.isEmpty() ? "" : "; the attempt before: " + last));
        return Math.max(0, (t0 - endedNanos) / 1_000_000);
      } catch (Exception e) {
        last = e.getMessage() == null ? e.toString() : e.getMessage().substring(0, Math.min(300, e.getMessage().length()));
        Thread.sleep(50);
      }
    }
    notes.add("probe: never worked; last: " + last);
    return -1;
  }

  static String describe(ChaosLedger.Failure f) {
    String m = f.message().length() > 600 ? f.message().substring(0, 600) + "…" : f.message();
    return f.kind() + " " + (f.status() == 0 ? "no answer" : Integer.toString(f.status())) + " " + m;
  }
}
