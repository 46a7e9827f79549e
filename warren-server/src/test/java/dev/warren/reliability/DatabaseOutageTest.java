package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.PausingCrun;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The database becomes unusable while the controller runs: its SQLite file locked by another
 * process, or its PostgreSQL server stopped. Calls fail with 503 within WARREN_DB_TIMEOUT and say
 * why; once the database is back they succeed again, without restarting the controller.
 */
class DatabaseOutageTest {

  static void assertStoreProblem(Resp r, String detail, long startedNanos, String what) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    System.out.printf("%s: %d after %.1f s: %s%n", what, r.status(), seconds, r.json().path("detail").asString());
    assertThat(r.status()).as("%s: %s", what, r).isEqualTo(503);
    assertThat(r.json().path("type").asString()).endsWith("/runtime-unavailable");
    assertThat(r.json().path("detail").asString()).as(what).contains(detail);
    assertThat(seconds).as("%s fails within the timeout (2 s), not much later", what).isLessThan(8);
  }

  @Test
  void aSqliteFileLockedByAnotherProcessFailsWritesWith503UntilReleased() throws Exception {
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_DB_TIMEOUT", "2s"))) {
      String id = warren.createSandbox("{}");
      long pid = warren.pid();
      String db = warren.dataDir().resolve("warren.db").toString();
      try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = holder.createStatement()) {
        st.execute("PRAGMA busy_timeout = 5000");
        st.execute("BEGIN EXCLUSIVE");
        st.execute("UPDATE sandboxes SET state = state WHERE id = 'none'");
        long t0 = System.nanoTime();
        assertStoreProblem(warren.post("/v1/sandboxes", "{}"), "is locked by another process or connection; gave up after 2 s (WARREN_DB_TIMEOUT)",
            t0, "create while locked");
        t0 = System.nanoTime();
        assertStoreProblem(warren.post("/v1/sandboxes/" + id + "/stop", null), "WARREN_DB_TIMEOUT", t0, "stop while locked");
        assertThat(warren.post("/v1/sandboxes", "{}").json().path("detail").asString()).contains(db);
        // reads go on (WAL), and nothing changed
        JsonNode list = warren.get("/v1/sandboxes").json().path("sandboxes");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("state").asString()).isEqualTo("running");
        assertThat(warren.exec(id, "echo still").path("stdout").asString()).isEqualTo("still\n");
        st.execute("COMMIT");
      }
      String second = warren.createSandbox("{}");
      assertThat(warren.post("/v1/sandboxes/" + id + "/stop", null).json().path("state").asString()).isEqualTo("stopped");
      assertThat(warren.get("/v1/sandboxes").json().path("sandboxes")).hasSize(2);
      assertThat(warren.exec(second, "echo fine").path("stdout").asString()).isEqualTo("fine\n");
      assertThat(warren.pid()).as("no controller restart").isEqualTo(pid);
    }
  }

  @Test
  void aStoppedPostgresqlFailsCallsWith503AndTheyRecoverWhenItIsBack() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start()) {
      Map<String, String> env = new java.util.HashMap<>(pg.settings());
      env.put("WARREN_DB_TIMEOUT", "2s");
      try (TestWarren warren = TestWarren.start(env)) {
        String id = warren.createSandbox("{\"labels\": {\"db\": \"pg\"}}");
        String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
        long pid = warren.pid();
        // a command that ends while the store is down: its end is stored once the store is back
        String late = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands",
            "{\"command\": \"sleep 1; echo late\", \"async\": true}").json().path("id").asString();

        pg.down();
        long t0 = System.nanoTime();
        assertStoreProblem(warren.get("/v1/sandboxes"), "the database", t0, "list while PostgreSQL is down");
        t0 = System.nanoTime();
        assertStoreProblem(warren.post("/v1/sandboxes", "{}"), "the database", t0, "create while PostgreSQL is down");
        t0 = System.nanoTime();
        assertStoreProblem(warren.get("/v1/sandboxes/" + id), "the database", t0, "get while PostgreSQL is down");
        assertThat(warren.get("/readyz").status()).isEqualTo(503);
        assertThat(warren.get("/healthz").status()).isEqualTo(200);

        pg.up();
        long back = System.nanoTime();
        Resp list = warren.get("/v1/sandboxes");
        while (list.status() != 200 && System.nanoTime() - back < 30_000_000_000L) {
          Thread.sleep(200);
          list = warren.get("/v1/sandboxes");
        }
        System.out.printf("served again %.1f s after PostgreSQL came back%n", (System.nanoTime() - back) / 1e9);
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.json().path("sandboxes")).hasSize(1);
        assertThat(warren.get("/readyz").status()).isEqualTo(200);
        JsonNode ended = ExternalKillTest.await(Duration.ofSeconds(5),
            () -> warren.get("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands/" + late).json(),
            n -> n.path("state").asString().equals("finished"));
        assertThat(ended.path("state").asString()).as("the command that ended while the store was down: %s%nlog:%n%s", ended, warren.log(40)).isEqualTo("finished");
        assertThat(ended.path("exitCode").asInt(-1)).isZero();
        String second = warren.createSandbox("{}");
        assertThat(warren.exec(second, "echo fine").path("stdout").asString()).isEqualTo("fine\n");
        assertThat(warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"echo after\"}").json()
            .path("stdout").asString()).isEqualTo("after\n");
        assertThat(warren.pid()).as("no controller restart").isEqualTo(pid);
        assertThat(Files.readString(warren.logFile())).doesNotContain(pg.password());
      }
    }
  }

  @Test
  void aPostgresqlRestartUnderLoadIsAnswered503NamingItLosesNothingAndServiceResumesWithinFiveSeconds() throws Exception {
    FaultResult r = Faults.postgresRestart(System.out::println);
    r.print(System.out::println);
    assertThat(r.named()).as("calls answered 503 naming the database while it was down").isPositive();
    assertThat(r.failures()).isEmpty();
  }

  @Test
  void aCreateWhoseFailureCouldNotBeStoredIsUndoneOnceTheDatabaseIsBack() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start(); PausingCrun crun = PausingCrun.create(); TestWarren warren = startWith(pg, crun)) {
      String[] id = new String[1];
      // the store goes away while the sandbox starts: its create can record neither success nor failure
      answeredWhileTheStoreIsDown(pg, crun, "start", () -> warren.post("/v1/sandboxes", "{}"),
          () -> id[0] = warren.get("/v1/sandboxes").json().path("sandboxes").get(0).path("id").asString());

      String list = afterTheStoreIsBack(pg, "the create that failed unrecorded was undone",
          () -> warren.get("/v1/sandboxes"), l -> !l.contains(id[0]));
      assertThat(list).as("sandboxes once the database is back").doesNotContain(id[0]);
      assertThat(HostState.leftoversOf(warren, id[0])).isEmpty();
      assertThat(warren.get("/v1/events?subject=" + id[0]).json().path("events").toString()).contains("sandbox.create-interrupted");
    }
  }

  @Test
  void aDeleteWhoseOutcomeCouldNotBeStoredIsFinishedOnceTheDatabaseIsBack() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start(); PausingCrun crun = PausingCrun.create(); TestWarren warren = startWith(pg, crun)) {
      String id = warren.createSandbox("{}");
      // the sandbox goes from the host, but the store cannot be told
      answeredWhileTheStoreIsDown(pg, crun, "delete", () -> warren.delete("/v1/sandboxes/" + id), () -> {});

      String events = afterTheStoreIsBack(pg, "the delete that could not be recorded was finished",
          () -> warren.get("/v1/events?subject=" + id), e -> e.contains("sandbox.deleted"));
      assertThat(events).contains("sandbox.deleted").contains("could not be recorded");
      assertThat(warren.get("/v1/sandboxes/" + id).status()).isEqualTo(404);
      assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(404);
      assertThat(HostState.leftoversOf(warren, id)).isEmpty();
    }
  }

  private static TestWarren startWith(PrivatePostgres pg, PausingCrun crun) {
    Map<String, String> env = new HashMap<>(pg.settings());
    env.putAll(crun.settings());
    env.put("WARREN_DB_TIMEOUT", "2s");
    return TestWarren.start(env);
  }

  /** Runs {@code call} with crun held at {@code verb}, stops the database, lets crun go on: the call answers 503 naming the database. */
  private static void answeredWhileTheStoreIsDown(PrivatePostgres pg, PausingCrun crun, String verb, Supplier<Resp> call, Runnable whileHeld)
      throws Exception {
    crun.hold(verb);
    CompletableFuture<Resp> answer = CompletableFuture.supplyAsync(call, r -> Thread.ofVirtual().start(r));
    crun.awaitHeld(Duration.ofSeconds(60));
    whileHeld.run();
    pg.down();
    crun.release();
    Resp r = answer.get(2, TimeUnit.MINUTES);
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.json().path("detail").asString()).contains("database");
  }

  /** Starts the database again and polls {@code probe} (for up to 30 s) until its 200 body passes {@code settled}; that body. */
  private static String afterTheStoreIsBack(PrivatePostgres pg, String what, Supplier<Resp> probe, Predicate<String> settled)
      throws InterruptedException {
    pg.up();
    long back = System.nanoTime();
    String body = "";
    while (System.nanoTime() - back < 30_000_000_000L) {
      Resp r = probe.get();
      body = r.status() == 200 ? r.json().toString() : body;
      if (r.status() == 200 && settled.test(body)) {
        break;
      }
      Thread.sleep(200);
    }
    System.out.printf("%s %.1f s after the database came back%n", what, (System.nanoTime() - back) / 1e9);
    return body;
  }
}
