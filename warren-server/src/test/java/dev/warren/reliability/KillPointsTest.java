package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.client.Sandbox;
import dev.warren.client.SandboxSpec;
import dev.warren.client.Warren;
import dev.warren.testing.HostState;
import dev.warren.testing.PausingCrun;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The controller killed with SIGKILL at each step of a sandbox's life cycle, held there by a crun
 * wrapper ({@link PausingCrun}): between {@code crun create} and {@code crun start}, inside a
 * {@code crun create} (its container made but not recorded), while a {@code crun create} is still
 * running when the next controller starts, during a stop, a start and a delete. After the restart
 * every sandbox is running, stopped or gone, a delete answers at once, and nothing of an undone
 * step is left on the host (processes in its cgroups, cgroups, mounts, netns, veth, crun state,
 * directory).
 */
class KillPointsTest {
  static PausingCrun crun;
  static TestWarren warren;

  @BeforeAll
  static void start() {
    crun = PausingCrun.create();
    Map<String, String> env = new HashMap<>(crun.settings());
    // a fixed port, so that clients (the SDK's retries) reach the restarted controller
    env.put("WARREN_LISTEN", TestWarren.freeListenAddress());
    warren = TestWarren.start(env);
  }

  @AfterAll
  static void stop() {
    try {
      if (warren != null) {
        warren.close();
      }
    } finally {
      crun.close();
    }
  }

  @AfterEach
  void releaseCrun() {
    crun.release();
  }

  /** The controller killed while the wrapper holds a call; the held call dies with it; then a new controller. */
  private static void killControllerAndHeldCall() {
    warren.stopProcess(true);
    crun.killHeld();
    warren.relaunch();
  }

  private static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, r -> Thread.ofVirtual().start(r));
  }

  /** A call in the background whose answer may be lost with the controller (then null). */
  private static CompletableFuture<Resp> answerMayBeLost(Supplier<Resp> call) {
    return async(() -> {
      try {
        return call.get();
      } catch (RuntimeException e) {
        return null;
      }
    });
  }

  private static String heldSandbox() {
    crun.awaitHeld(Duration.ofSeconds(60));
    try (var s = Files.list(warren.dataDir().resolve("sandboxes"))) {
      JsonNode all = warren.get("/v1/sandboxes").json().path("sandboxes");
      // sbx_ only: the directory also holds the disk pool's ready disks (dot directories)
      return s.map(p -> p.getFileName().toString()).filter(id -> id.startsWith("sbx_")).filter(id -> {
        for (JsonNode n : all) {
          if (n.path("id").asString().equals(id) && !n.path("state").asString().matches("creating|starting|stopping")) {
            return false;
          }
        }
        return true;
      }).findFirst().orElseThrow();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitNotFound(String id, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (warren.get("/v1/sandboxes/" + id).status() != 404) {
      assertThat(System.nanoTime()).as("%s deleted within %s", id, within).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static void assertGone(String id) {
    Resp get = warren.get("/v1/sandboxes/" + id);
    assertThat(get.status()).as("GET %s after the restart: %s", id, get).isEqualTo(404);
    long t0 = System.nanoTime();
    Resp delete = warren.delete("/v1/sandboxes/" + id);
    assertThat(delete.status()).as("DELETE %s: %s", id, delete).isEqualTo(404);
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
    assertThat(HostState.leftoversOf(warren, id)).as("what is left of %s", id).isEmpty();
  }

  @Test
  void aCreateKilledBetweenCrunCreateAndStartIsUndoneAndTheSdkRetryMakesExactlyOneSandbox() throws Exception {
    String op = UUID.randomUUID().toString();
    crun.hold("start");
    try (Warren sdk = Warren.builder().baseUrl(warren.base().toString()).token(warren.token()).maxAttempts(200)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).requestTimeout(Duration.ofMinutes(2)).build()) {
      CompletableFuture<Sandbox> create = async(() -> sdk.sandboxes().create(SandboxSpec.builder().label("op", op).build()));
      String first = heldSandbox();
      assertThat(HostState.processesInCgroupsOf(first)).as("the container's init, created, waiting for its start").hasSize(1);

      killControllerAndHeldCall();

      Sandbox made = create.get(2, TimeUnit.MINUTES);
      assertThat(made.info().state().wireName()).isEqualTo("running");
      assertThat(warren.get("/v1/sandboxes?label=op=" + op).json().path("sandboxes")).as("exactly one sandbox for the create").hasSize(1);
      assertThat(made.id()).as("the interrupted attempt was undone, the retry made it anew").isNotEqualTo(first);
      assertGone(first);
      assertThat(warren.exec(made.id(), "echo fine").path("stdout").asString()).isEqualTo("fine\n");
      assertThat(warren.get("/v1/events?subject=" + first).json().path("events").toString()).contains("sandbox.create-interrupted");
      made.delete();
    }
  }

  @Test
  void aContainerThatCrunCreatedButNeverRecordedIsKilledAndItsSandboxGoneAtTheNextStart() throws Exception {
    crun.forgetCreate();
    CompletableFuture<Resp> create = answerMayBeLost(() -> warren.post("/v1/sandboxes", "{}"));
    String id = heldSandbox();
    Path crunState = Path.of("/run/warren", warren.instanceName(), "crun", id);
    assertThat(crunState).doesNotExist();
    long init = HostState.processesInCgroupsOf(id).getFirst();
    assertThat(Files.readString(Path.of("/proc", Long.toString(init), "cmdline"))).contains("create");

    killControllerAndHeldCall();
    create.get(1, TimeUnit.MINUTES);

    assertThat(PausingCrun.alive(init)).as("the init crun never knew of: %s%nlog:%n%s", procStatus(init), warren.log(60)).isFalse();
    assertGone(id);
  }

  private static String procStatus(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "status")).lines().limit(8).toList().toString();
    } catch (java.io.IOException e) {
      return "gone (" + e.getMessage() + ")";
    }
  }

  @Test
  void aCrunCreateStillRunningWhenTheNextControllerStartsIsEndedAndLeavesNothing() throws Exception {
    crun.hold("create");
    CompletableFuture<Resp> create = answerMayBeLost(() -> warren.post("/v1/sandboxes", "{}"));
    String id = heldSandbox();
    long held = crun.awaitHeld(Duration.ofSeconds(5));
    warren.stopProcess(true);
    assertThat(PausingCrun.alive(held)).as("the crun create outlives the controller").isTrue();
    warren.relaunch();
    create.get(1, TimeUnit.MINUTES);
    // were it still running, released now it would make a container for a sandbox the new controller has undone
    crun.release();
    Thread.sleep(500);

    assertThat(PausingCrun.alive(held)).as("the previous controller's crun create").isFalse();
    assertGone(id);
    assertThat(warren.log(400)).contains("crun calls of the previous controller");
  }

  @Test
  void aStopKilledMidwayEndsStoppedAtTheNextStartAndTheSandboxStartsAgain() throws Exception {
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo kept > /workspace/kept");
    crun.hold("delete");
    CompletableFuture<Resp> stop = answerMayBeLost(() -> warren.post("/v1/sandboxes/" + id + "/stop", null));
    crun.awaitHeld(Duration.ofSeconds(60));
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("stopping");

    killControllerAndHeldCall();
    stop.get(1, TimeUnit.MINUTES);

    JsonNode s = warren.get("/v1/sandboxes/" + id).json();
    assertThat(s.path("state").asString()).as(s.toString()).isEqualTo("stopped");
    assertThat(HostState.leftoversOf(id)).isEmpty();
    assertThat(warren.post("/v1/sandboxes/" + id + "/start", null).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.exec(id, "cat /workspace/kept").path("stdout").asString()).isEqualTo("kept\n");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void aStartKilledMidwayLeavesTheSandboxStoppedSayingWhyAndStartable() throws Exception {
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo kept > /workspace/kept");
    assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
    crun.hold("start");
    CompletableFuture<Resp> start = answerMayBeLost(() -> warren.post("/v1/sandboxes/" + id + "/start", null));
    crun.awaitHeld(Duration.ofSeconds(60));
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("starting");

    killControllerAndHeldCall();
    start.get(1, TimeUnit.MINUTES);

    JsonNode s = warren.get("/v1/sandboxes/" + id).json();
    assertThat(s.path("state").asString()).as(s.toString()).isEqualTo("stopped");
    assertThat(s.path("stateReason").asString()).contains("start").contains("interrupted");
    assertThat(HostState.leftoversOf(id)).isEmpty();
    JsonNode started = warren.post("/v1/sandboxes/" + id + "/start", null).json();
    assertThat(started.path("state").asString()).as(started.toString()).isEqualTo("running");
    assertThat(started.path("generation").asLong()).isGreaterThan(s.path("generation").asLong());
    assertThat(warren.exec(id, "cat /workspace/kept").path("stdout").asString()).isEqualTo("kept\n");
    assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
  }

  @Test
  void aDeleteKilledMidwayIsFinishedAtTheNextStart() throws Exception {
    String id = warren.createSandbox("{}");
    crun.hold("delete");
    CompletableFuture<Resp> delete = answerMayBeLost(() -> warren.delete("/v1/sandboxes/" + id));
    crun.awaitHeld(Duration.ofSeconds(60));

    killControllerAndHeldCall();
    delete.get(1, TimeUnit.MINUTES);

    assertGone(id);
  }

  @Test
  void aBrowserCreateKilledMidwayIsClosedWithItsSandboxAndTheSdkRetryOpensExactlyOne() throws Exception {
    TestWarren.ensureImage("browser");
    crun.hold("start");
    try (Warren sdk = Warren.builder().baseUrl(warren.base().toString()).token(warren.token()).maxAttempts(200)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500)).requestTimeout(Duration.ofMinutes(2)).build()) {
      CompletableFuture<dev.warren.client.Browser> create = async(() -> sdk.browsers().create(dev.warren.client.BrowserSpec.defaults()));
      String first = heldSandbox();

      killControllerAndHeldCall();

      dev.warren.client.Browser made = create.get(2, TimeUnit.MINUTES);
      JsonNode live = warren.get("/v1/browsers").json().path("browsers");
      assertThat(live).as("open browsers: %s", live).hasSize(1);
      assertThat(live.get(0).path("id").asString()).isEqualTo(made.id());
      assertThat(live.get(0).path("state").asString()).isEqualTo("ready");
      assertThat(made.info().sandboxId()).isPresent().isNotEqualTo(java.util.Optional.of(first));
      // the undone browser's sandbox is deleted in the background of the start, not before /readyz
      awaitNotFound(first, Duration.ofSeconds(30));
      assertGone(first);
      made.delete();
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes").toString()).doesNotContain("warren.browser");
    }
  }

  @Test
  void aBrowserCloseKilledMidwayIsFinishedAtTheNextStartWithoutHoldingItUp() throws Exception {
    TestWarren.ensureImage("browser");
    Resp made = warren.post("/v1/browsers", "{}");
    assertThat(made.status()).as(made.toString()).isEqualTo(201);
    String browser = made.json().path("id").asString();
    String sandbox = made.json().path("sandboxId").asString();
    crun.hold("delete");
    CompletableFuture<Resp> close = answerMayBeLost(() -> warren.delete("/v1/browsers/" + browser));
    crun.awaitHeld(Duration.ofSeconds(60));
    assertThat(warren.get("/v1/browsers/" + browser).json().path("state").asString()).isEqualTo("closing");

    killControllerAndHeldCall();
    close.get(1, TimeUnit.MINUTES);

    // closed at the next start (in its background): the session says so, its sandbox is gone with nothing left
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!warren.get("/v1/browsers/" + browser).json().path("state").asString().equals("closed")) {
      assertThat(System.nanoTime()).as("browser %s closed after the restart", browser).isLessThan(deadline);
      Thread.sleep(100);
    }
    awaitNotFound(sandbox, Duration.ofSeconds(30));
    assertGone(sandbox);
  }

  @Test
  void aKeyedBrowserCreateRecordsItsKeyWithTheSessionBeforeItStartsAndARetryAfterAKillOpensExactlyOne() throws Exception {
    TestWarren.ensureImage("browser");
    crun.hold("start");
    Map<String, String> keyed = Map.of("Content-Type", "application/json", "Idempotency-Key", "kp-" + UUID.randomUUID());
    CompletableFuture<Resp> create = answerMayBeLost(() -> warren.send("POST", "/v1/browsers", HttpRequest.BodyPublishers.ofString("{}"),
        keyed, warren.token()));
    heldSandbox();
    // while its sandbox is being made, the session's row and its key are both in the store: a controller killed at any
    // later moment (the browser ready, its answer not yet sent) leaves nothing that a retry with the key would not find
    String starting;
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + warren.dataDir().resolve("warren.db"));
        var q = c.prepareStatement("SELECT resource_id FROM idempotency_keys WHERE scope = 'browser' AND idem_key = ?")) {
      q.setString(1, keyed.get("Idempotency-Key"));
      try (var rs = q.executeQuery()) {
        assertThat(rs.next()).as("the key of the create in flight is recorded").isTrue();
        starting = rs.getString(1);
      }
    }
    assertThat(warren.get("/v1/browsers/" + starting).json().path("state").asString()).isEqualTo("starting");

    killControllerAndHeldCall();
    create.get(1, TimeUnit.MINUTES);

    Resp retry = warren.send("POST", "/v1/browsers", HttpRequest.BodyPublishers.ofString("{}"), keyed, warren.token());
    assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
    String made = retry.json().path("id").asString();
    assertThat(made).as("the interrupted create was undone and its key forgotten: the retry made it anew").isNotEqualTo(starting);
    assertThat(retry.json().path("state").asString()).isEqualTo("ready");
    assertThat(warren.get("/v1/browsers/" + starting).json().path("state").asString()).isEqualTo("closed");
    Resp again = warren.send("POST", "/v1/browsers", HttpRequest.BodyPublishers.ofString("{}"), keyed, warren.token());
    assertThat(again.json().path("id").asString()).as("a second retry answers the same session").isEqualTo(made);
    JsonNode live = warren.get("/v1/browsers").json().path("browsers");
    assertThat(live).as("open browsers: %s", live).hasSize(1);
    assertThat(warren.delete("/v1/browsers/" + made).status()).isIn(200, 204);
  }

  @Test
  void teardownEndsAContainerCrunNeverRecordedWhileTheControllerIsDown() throws Exception {
    try (PausingCrun own = PausingCrun.create(); TestWarren w = TestWarren.start(own.settings())) {
      own.forgetCreate();
      CompletableFuture<Resp> create = answerMayBeLost(() -> w.post("/v1/sandboxes", "{}"));
      own.awaitHeld(Duration.ofSeconds(60));
      String id;
      try (var dirs = Files.list(w.dataDir().resolve("sandboxes"))) {
        id = dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sbx_")).findFirst().orElseThrow();
      }
      dev.warren.host.Instance instance = w.instance();
      w.stopProcess(true);
      own.killHeld();
      create.get(1, TimeUnit.MINUTES);
      assertThat(HostState.processesInCgroupsOf(id)).hasSize(1);

      assertThat(dev.warren.Teardown.run(w.config())).contains(id);

      assertThat(HostState.leftoversOf(id)).isEmpty();
      assertThat(dev.warren.testing.InstanceRemnants.of(instance, w.dataDir(), Path.of("/nonexistent"))).isEmpty();
    }
  }

  /**
   * Found by {@code ./warren bench chaos}: a kill while a disk was attached left its device note
   * empty (written by truncating, then writing), and every stop and delete of that sandbox, and
   * teardown, failed with "Range [5, 0) out of bounds for length 0".
   */
  @Test
  void aSandboxWhoseDiskDeviceNoteAKillLeftEmptyIsStillDeletedAndLeavesNothing() throws Exception {
    String id = warren.createSandbox("{}");
    Path note = warren.dataDir().resolve("sandboxes").resolve(id).resolve("disk.dev");
    assertThat(Files.readString(note)).startsWith("/dev/loop");
    Files.writeString(note, "");

    Resp delete = warren.delete("/v1/sandboxes/" + id);

    assertThat(delete.status()).as(delete.toString()).isEqualTo(204);
    assertThat(HostState.leftoversOf(warren, id)).isEmpty();
  }

  @Test
  void aSandboxWhoseContainerCrunLostIsStillDeletedInSecondsKillingWhatRunsInItsCgroups() {
    String id = warren.createSandbox("{}");
    warren.exec(id, "nohup sleep 1000 >/dev/null 2>&1 &");
    // crun's record of the container is gone (a crashed crun, a wiped /run): crun delete knows nothing of it
    TestWarren.run("rm", "-rf", Path.of("/run/warren", warren.instanceName(), "crun", id).toString());
    assertThat(HostState.processesInCgroupsOf(id)).hasSizeGreaterThanOrEqualTo(3);

    long t0 = System.nanoTime();
    Resp delete = warren.delete("/v1/sandboxes/" + id);
    double seconds = (System.nanoTime() - t0) / 1e9;

    assertThat(delete.status()).as(delete.toString()).isEqualTo(204);
    assertThat(seconds).isLessThan(5);
    assertThat(HostState.leftoversOf(warren, id)).isEmpty();
  }

  @Test
  void aRestartAnswersAndRunsCommandsWhileAnInterruptedCreateIsUndoneInTheBackgroundAndAGetOfItWaitsForTheEnd() throws Exception {
    String running = warren.createSandbox("{}");
    crun.hold("start");
    CompletableFuture<Resp> create = answerMayBeLost(() -> warren.post("/v1/sandboxes", "{}"));
    String interrupted = heldSandbox();
    warren.stopProcess(true);
    crun.killHeld();
    // the undo's `crun delete` of the interrupted create waits: its reconciliation goes on in the background
    crun.hold("delete");
    warren.relaunch();
    create.get(1, TimeUnit.MINUTES);
    crun.awaitHeld(Duration.ofSeconds(60));

    assertThat(warren.get("/readyz").status()).as("ready while the undo is held").isEqualTo(200);
    assertThat(warren.exec(running, "echo fine").path("stdout").asString()).as("a command in the adopted sandbox").isEqualTo("fine\n");
    CompletableFuture<Resp> get = async(() -> warren.get("/v1/sandboxes/" + interrupted));
    Thread.sleep(500);
    assertThat(get).as("a GET of the sandbox being undone waits for its end").isNotDone();

    crun.release();
    Resp answer = get.get(30, TimeUnit.SECONDS);
    assertThat(answer.status()).as(answer.toString()).isEqualTo(404);
    assertThat(HostState.leftoversOf(warren, interrupted)).as("what is left of %s once GET answered", interrupted).isEmpty();
    assertThat(warren.get("/v1/events?subject=" + interrupted).json().path("events").toString()).contains("sandbox.create-interrupted");
    assertThat(warren.delete("/v1/sandboxes/" + running).status()).isEqualTo(204);
  }
}
