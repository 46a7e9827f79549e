package dev.warren.reliability;

import dev.warren.client.Browser;
import dev.warren.client.BrowserSpec;
import dev.warren.client.CommandRequest;
import dev.warren.client.CommandResult;
import dev.warren.client.Sandbox;
import dev.warren.client.SandboxSpec;
import dev.warren.client.Session;
import dev.warren.client.SessionSpec;
import dev.warren.client.Warren;
import dev.warren.client.WarrenException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * One chaos client: a home sandbox with a session whose shell counts ({@code n=$((n+1))}), and a
 * loop of mixed work until told to stop: sandbox creates (half through the SDK, half by hand with
 * an Idempotency-Key, see {@link KeyedCreate}) and deletes, counter bumps, file writes in its home,
 * browsers made and closed. Every answer goes to the {@link ChaosLedger}; every failure too, with
 * when it happened, so that failures can be matched with the faults. Used by one thread.
 */
final class ChaosClient {
  /**
   * The SDK's patience: retries 50-500 ms apart for about half an hour. A controller killed again
   * every few seconds on a busy host may not finish a create between two kills for minutes; a
   * client that gave up meanwhile would not learn of the sandbox its create made.
   */
  static final int SDK_ATTEMPTS = 6000;
  static final Duration PATIENCE = Duration.ofMinutes(30);
  private static final int MAX_OWNED = 6;

  private final int id;
  private final Warren sdk;
  private final KeyedCreate keyed;
  private final ChaosLedger ledger;
  private final boolean browsers;
  private final Semaphore browserSlot;
  private final Duration patience;
  private final Random random;
  private final List<String> owned = new ArrayList<>();
  private Sandbox home;
  private Session session;
  private ChaosLedger.Counter counter;
  private int writes;

  /** {@code patience}: how long a keyed create retries (zero: one attempt, like an SDK without retries). */
  ChaosClient(int id, Warren sdk, KeyedCreate keyed, ChaosLedger ledger, boolean browsers, Semaphore browserSlot, Duration patience,
      long seed) {
    this.id = id;
    this.patience = patience;
    this.sdk = sdk;
    this.keyed = keyed;
    this.ledger = ledger;
    this.browsers = browsers;
    this.browserSlot = browserSlot;
    this.random = new Random(seed);
  }

  static Warren patientSdk(java.net.URI base, String token) {
    return Warren.builder().baseUrl(base.toString()).token(token).maxAttempts(SDK_ATTEMPTS)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).requestTimeout(Duration.ofMinutes(2)).build();
  }

  /** Makes the home sandbox and its counting session (before any fault). */
  void prepare() {
    home = sdk.sandboxes().create(SandboxSpec.builder().label("chaos", "home").label("chaos-client", Integer.toString(id)).build());
    ledger.home(home.id());
    session = home.sessions().create(SessionSpec.defaults());
    counter = ledger.counter(id, home.id(), session.id());
  }

  String homeId() {
    return home.id();
  }

  /** Runs operations until {@code stop} says so. */
  void run(BooleanSupplier stop) {
    while (!stop.getAsBoolean()) {
      int pick = random.nextInt(10);
      if (pick < 3) {
        create();
      } else if (pick < 5 && !owned.isEmpty()) {
        delete(owned.remove(random.nextInt(owned.size())));
      } else if (pick < 8) {
        bump();
      } else if (pick < 9 || !browsers) {
        write();
      } else {
        browser();
      }
    }
  }

  private void create() {
    if (owned.size() >= MAX_OWNED) {
      delete(owned.removeFirst());
      return;
    }
    String op = UUID.randomUUID().toString();
    long t0 = System.nanoTime();
    if (random.nextBoolean()) {
      try {
        Sandbox s = sdk.sandboxes().create(SandboxSpec.builder().label("chaos-op", op).label("chaos-client", Integer.toString(id)).build());
        owned.add(s.id());
        ledger.created(new ChaosLedger.Create(op, id, "sdk", Optional.of(s.id()), false, t0, System.nanoTime(), Optional.empty()));
      } catch (WarrenException e) {
        ledger.created(new ChaosLedger.Create(op, id, "sdk", Optional.empty(), false, t0, System.nanoTime(), Optional.of(e.getMessage())));
        fail("sandbox create", t0, e);
      }
      return;
    }
    try {
      KeyedCreate.Outcome o = keyed.create("{\"labels\": {\"chaos-op\": \"" + op + "\", \"chaos-client\": \"" + id + "\"}}", patience);
      ledger.created(new ChaosLedger.Create(op, id, "keyed", o.id(), o.answerLost(), t0, System.nanoTime(), o.error()));
      o.id().ifPresentOrElse(owned::add, () -> fail("sandbox create", t0, o.status(), o.error().orElse("?")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void delete(String sandboxId) {
    long t0 = System.nanoTime();
    try {
      sdk.sandboxes().delete(sandboxId);
      ledger.deleted(sandboxId);
    } catch (WarrenException e) {
      owned.add(sandboxId);
      ledger.deleteUnanswered(sandboxId);
      fail("sandbox delete", t0, e);
    }
  }

  private void bump() {
    long t0 = System.nanoTime();
    try {
      CommandResult r = session.run(CommandRequest.of("n=$((${n:-0}+1)); echo $n"));
      if (!r.isDone() || r.exitCode() != 0) {
        fail("session command", t0, 0, "counter command ended " + r.state() + ": " + r.stderr());
        return;
      }
      counter.answered(Long.parseLong(r.stdout().strip()));
      ledger.ack("session command");
    } catch (WarrenException e) {
      synchronized (counter) {
        counter.unanswered++;
      }
      fail("session command", t0, e);
    } catch (NumberFormatException e) {
      fail("session command", t0, 0, "counter answered something else: " + e.getMessage());
    }
  }

  private void write() {
    String path = "/workspace/chaos-" + id + "-" + (++writes);
    String content = "client " + id + " write " + writes + " " + UUID.randomUUID() + "\n";
    long t0 = System.nanoTime();
    try {
      home.files().write(path, content.getBytes(StandardCharsets.UTF_8));
      ledger.wrote(home.id(), path, content);
    } catch (WarrenException e) {
      fail("file write", t0, e);
    }
  }

  private void browser() {
    if (!browserSlot.tryAcquire()) {
      write();
      return;
    }
    long t0 = System.nanoTime();
    try {
      Browser b = sdk.browsers().create(BrowserSpec.defaults());
      ledger.browserMade(b.id());
      long t1 = System.nanoTime();
      try {
        sdk.browsers().delete(b.id());
        ledger.browserClosed(b.id());
      } catch (WarrenException e) {
        fail("browser delete", t1, e);
      }
    } catch (WarrenException e) {
      fail("browser create", t0, e);
    } finally {
      browserSlot.release();
    }
  }

  private void fail(String kind, long t0, WarrenException e) {
    fail(kind, t0, e.status(), e.getMessage());
  }

  private void fail(String kind, long t0, int status, String message) {
    ledger.failed(new ChaosLedger.Failure(id, kind, t0, System.nanoTime(), status, message == null ? "" : message));
  }
}
