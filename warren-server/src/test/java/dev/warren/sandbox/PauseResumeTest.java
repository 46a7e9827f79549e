package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Pause and resume through the API on real crun: frozen processes keep their state and use no CPU,
 * calls inside a paused sandbox resume it, and a pause outlives the controller.
 */
class PauseResumeTest {
  /** A loop that counts ten times a second into /tmp/n (written whole: a frozen write never leaves it empty). */
  static final String COUNTER = "nohup sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/n.t && mv /tmp/n.t /tmp/n; sleep 0.1; done' "
      + ">/dev/null 2>&1 &";

  @RegisterExtension
  static final WarrenFixture fixture = WarrenFixture.plain();

  @Test
  void pausedSandboxStopsCountingAndUsesNoCpuThenGoesOnFromTheSameValue() throws Exception {
    TestWarren warren = fixture.server();
    String id = warren.createSandbox("{}");
    warren.exec(id, COUNTER);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> counter(id) > 2);

    JsonNode paused = warren.post("/v1/sandboxes/" + id + "/pause", null).json();
    assertThat(paused.path("state").asString()).isEqualTo("paused");
    assertThat(paused.path("address").asString()).isNotBlank();
    assertThat(HostState.frozen(id)).isTrue();
    long atPause = counter(id);
    long cpuAtPause = HostState.cpuNanos(id);
    Thread.sleep(1500);
    assertThat(counter(id)).isEqualTo(atPause);
    assertThat(HostState.cpuNanos(id) - cpuAtPause).as("CPU used while paused, ns").isLessThan(1_000_000);
    JsonNode got = warren.get("/v1/sandboxes/" + id).json();
    assertThat(got.path("state").asString()).isEqualTo("paused");
    assertThat(got.path("usage").path("processes").asInt()).isGreaterThan(0);
    // pausing a paused sandbox answers it as it is
    assertThat(warren.post("/v1/sandboxes/" + id + "/pause", null).json().path("state").asString()).isEqualTo("paused");

    JsonNode resumed = warren.post("/v1/sandboxes/" + id + "/resume", null).json();
    assertThat(resumed.path("state").asString()).isEqualTo("running");
    assertThat(resumed.path("address").asString()).isEqualTo(paused.path("address").asString());
    assertThat(HostState.frozen(id)).isFalse();
    // the loop goes on from where it was: no restart from zero, no jump over the paused time (15 counts)
    long after = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> counter(id), n -> n > atPause);
    assertThat(after).isLessThan(atPause + 5);
    assertThat(warren.post("/v1/sandboxes/" + id + "/resume", null).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.get("/v1/events?subject=" + id).text()).contains("sandbox.paused", "sandbox.resumed");

    // the figures of the report: pause and resume through the API, an idle-ish sandbox with a counting loop
    List<Long> pauses = new ArrayList<>();
    List<Long> resumes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      assertThat(warren.post("/v1/sandboxes/" + id + "/pause", null).status()).isEqualTo(200);
      long t1 = System.nanoTime();
      assertThat(warren.post("/v1/sandboxes/" + id + "/resume", null).status()).isEqualTo(200);
      long t2 = System.nanoTime();
      pauses.add(t1 - t0);
      resumes.add(t2 - t1);
    }
    System.out.printf("pause via the API: p50 %.2f ms, max %.2f ms; resume: p50 %.2f ms, max %.2f ms (20 each)%n",
        p50(pauses), Collections.max(pauses) / 1e6, p50(resumes), Collections.max(resumes) / 1e6);
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void callsInsideAPausedSandboxResumeItAndSaySoUnlessTheCallerOptsOut() {
    TestWarren warren = fixture.server();
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo kept > /workspace/f");
    String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
    warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"export KEPT=yes\"}");

    pause(warren, id);
    TestWarren.Resp refused = warren.post("/v1/sandboxes/" + id + "/exec?resume=false", "{\"command\": \"true\"}");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("detail").asString()).contains("it is paused", "/resume");
    assertThat(refused.json().path("state").asString()).isEqualTo("paused");
    assertThat(warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/f&resume=false").status()).isEqualTo(409);
    assertThat(warren.post("/v1/sandboxes/" + id + "/exec?resume=maybe", "{\"command\": \"true\"}").json().path("field").asString())
        .isEqualTo("resume");
    assertThat(HostState.frozen(id)).isTrue();

    JsonNode r = warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"cat /workspace/f\"}").json();
    assertThat(r.path("stdout").asString()).isEqualTo("kept\n");
    assertThat(r.path("resumed").asBoolean()).isTrue();
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.exec(id, "true").path("resumed").asBoolean()).isFalse();

    // a session command: its shell kept its state through the pause
    pause(warren, id);
    JsonNode c = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"echo $KEPT\"}").json();
    assertThat(c.path("stdout").asString()).isEqualTo("yes\n");
    assertThat(c.path("resumed").asBoolean()).isTrue();

    // files: a listing says it resumed; a download resumes too
    pause(warren, id);
    JsonNode list = warren.get("/v1/sandboxes/" + id + "/files/list?path=/workspace").json();
    assertThat(list.path("resumed").asBoolean()).isTrue();
    assertThat(list.path("entries").toString()).contains("\"f\"");
    pause(warren, id);
    TestWarren.Resp file = warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/f");
    assertThat(file.text()).isEqualTo("kept\n");
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void aSessionCommandsTimeoutLeavesOutThePausedTime() throws Exception {
    TestWarren warren = fixture.server();
    String id = warren.createSandbox("{}");
    String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
    String commands = "/v1/sandboxes/" + id + "/sessions/" + sid + "/commands";
    warren.post(commands, "{\"command\": \"export KEPT=yes\"}");

    // paused for longer than its whole timeout: the command is not killed, the session keeps its state
    String cid = warren.post(commands, "{\"command\": \"sleep 1; echo survived\", \"async\": true, \"timeoutSeconds\": 2}").json()
        .path("id").asString();
    pause(warren, id);
    Thread.sleep(4000);
    assertThat(warren.post("/v1/sandboxes/" + id + "/resume", null).json().path("state").asString()).isEqualTo("running");
    JsonNode done = warren.get(commands + "/" + cid + "?wait=20").json();
    assertThat(done.path("state").asString()).isEqualTo("finished");
    assertThat(done.path("timedOut").asBoolean()).as("%s", done).isFalse();
    assertThat(done.path("exitCode").asInt()).isZero();
    assertThat(done.path("stdout").asString()).isEqualTo("survived\n");
    assertThat(warren.post(commands, "{\"command\": \"echo $KEPT\"}").json().path("stdout").asString()).isEqualTo("yes\n");

    // the timeout still ends a command that runs too long, later by the time it spent paused
    long t0 = System.nanoTime();
    String slow = warren.post(commands, "{\"command\": \"sleep 60\", \"async\": true, \"timeoutSeconds\": 2}").json().path("id").asString();
    pause(warren, id);
    Thread.sleep(2500);
    warren.post("/v1/sandboxes/" + id + "/resume", null);
    JsonNode ended = warren.get(commands + "/" + slow + "?wait=30").json();
    double took = (System.nanoTime() - t0) / 1e9;
    assertThat(ended.path("timedOut").asBoolean()).as("%s", ended).isTrue();
    assertThat(took).as("seconds to its timeout: 2 running plus 2.5 paused").isBetween(4.4, 20.0);
    assertThat(warren.post(commands, "{\"command\": \"echo $KEPT\"}").json().path("stdout").asString()).isEqualTo("yes\n");
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void stopAndDeleteOfAPausedSandboxLeaveNothingBehind() {
    TestWarren warren = fixture.server();
    String stopped = warren.createSandbox("{}");
    String deleted = warren.createSandbox("{}");
    for (String id : List.of(stopped, deleted)) {
      warren.exec(id, COUNTER + " echo kept > /workspace/f");
      pause(warren, id);
    }

    JsonNode s = warren.post("/v1/sandboxes/" + stopped + "/stop", null).json();
    assertThat(s.path("state").asString()).isEqualTo("stopped");
    assertThat(HostState.processesOf(stopped)).isEmpty();
    assertThat(HostState.cgroupsOf(stopped)).isEmpty();
    TestWarren.Resp again = warren.post("/v1/sandboxes/" + stopped + "/pause", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().path("detail").asString()).contains("it is stopped", "start it first");
    assertThat(warren.post("/v1/sandboxes/" + stopped + "/resume", null).status()).isEqualTo(409);
    assertThat(warren.post("/v1/sandboxes/" + stopped + "/start", null).json().path("state").asString()).isEqualTo("running");
    assertThat(warren.exec(stopped, "cat /workspace/f").path("stdout").asString()).isEqualTo("kept\n");

    assertThat(warren.delete("/v1/sandboxes/" + deleted).status()).isEqualTo(204);
    assertThat(HostState.leftoversOf(warren, deleted)).isEmpty();
    assertThat(warren.get("/v1/sandboxes/" + deleted).status()).isEqualTo(404);
    warren.delete("/v1/sandboxes/" + stopped);
    assertThat(HostState.leftoversOf(warren, stopped)).isEmpty();
  }

  @Test
  void badIdlePoliciesAreRefusedNamingTheField() {
    TestWarren warren = fixture.server();
    TestWarren.Resp action = warren.post("/v1/sandboxes", "{\"idleAction\": \"hibernate\"}");
    assertThat(action.status()).isEqualTo(400);
    assertThat(action.json().path("field").asString()).isEqualTo("idleAction");
    assertThat(action.json().path("detail").asString()).contains("hibernate");
    TestWarren.Resp timeout = warren.post("/v1/sandboxes", "{\"pausedTimeoutSeconds\": -1}");
    assertThat(timeout.status()).isEqualTo(400);
    assertThat(timeout.json().path("field").asString()).isEqualTo("pausedTimeoutSeconds");
    assertThat(warren.post("/v1/sandboxes/sbx_01JZZZZZZZZZZZZZZZZZZZZZZZ/pause", null).status()).isEqualTo(404);
    String id = warren.createSandbox("{\"idleAction\": \"pause\", \"pausedTimeoutSeconds\": 60}");
    JsonNode s = warren.get("/v1/sandboxes/" + id).json();
    assertThat(s.path("idleAction").asString()).isEqualTo("pause");
    assertThat(s.path("pausedTimeoutSeconds").asLong()).isEqualTo(60);
    assertThat(warren.createSandbox("{}")).satisfies(plain ->
        assertThat(warren.get("/v1/sandboxes/" + plain).json().path("idleAction").asString()).isEqualTo("stop"));
  }

  @Test
  void aPauseOutlivesTheControllerAndTheRowIsTheTruthForTheFreezer() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String paused = warren.createSandbox("{}");
      String running = warren.createSandbox("{}");
      warren.exec(paused, COUNTER);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> counter(paused) > 1);
      pause(warren, paused);
      long atPause = counter(paused);

      warren.kill9AndRestart();
      assertThat(warren.get("/v1/sandboxes/" + paused).json().path("state").asString()).isEqualTo("paused");
      assertThat(HostState.frozen(paused)).isTrue();
      Thread.sleep(500);
      assertThat(counter(paused)).isEqualTo(atPause);

      // a controller killed between the row and the freezer: whatever the freezer says, the row wins at the next start
      warren.stopProcess(true);
      freezer(paused, false);
      freezer(running, true);
      warren.relaunch();
      assertThat(warren.get("/v1/sandboxes/" + paused).json().path("state").asString()).isEqualTo("paused");
      assertThat(HostState.frozen(paused)).isTrue();
      // it counted while thawed behind the controller's back; frozen again, it stands still
      long refrozen = counter(paused);
      Thread.sleep(500);
      assertThat(counter(paused)).isEqualTo(refrozen);
      assertThat(warren.get("/v1/sandboxes/" + running).json().path("state").asString()).isEqualTo("running");
      assertThat(HostState.frozen(running)).isFalse();
      assertThat(warren.exec(running, "echo ok").path("stdout").asString()).isEqualTo("ok\n");

      assertThat(warren.post("/v1/sandboxes/" + paused + "/resume", null).json().path("state").asString()).isEqualTo("running");
      long after = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> counter(paused), n -> n > refrozen);
      assertThat(after).isLessThan(refrozen + 5);
    }
  }

  @Test
  void anIdleSandboxIsPausedThenStoppedWhenItStaysPausedTooLong() {
    try (TestWarren warren = TestWarren.start(java.util.Map.of("WARREN_IDLE_CHECK_INTERVAL", "1s", "WARREN_IDLE_ACTION", "pause"))) {
      // the idle action comes from WARREN_IDLE_ACTION; the paused sandbox's own timeout stops it
      String id = warren.createSandbox("{\"idleTimeoutSeconds\": 2, \"pausedTimeoutSeconds\": 3}");
      String stays = warren.createSandbox("{\"idleTimeoutSeconds\": 2}");
      assertThat(warren.get("/v1/sandboxes/" + id).json().path("idleAction").asString()).isEqualTo("pause");
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> warren.get("/v1/sandboxes/" + id).json().path("state").asString().equals("paused"));
      assertThat(HostState.frozen(id)).isTrue();
      JsonNode stopped = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> warren.get("/v1/sandboxes/" + id).json(), s -> s.path("state").asString().equals("stopped"));
      assertThat(stopped.path("stateReason").asString()).contains("pausedTimeoutSeconds 3");
      assertThat(HostState.processesOf(id)).isEmpty();
      // no pausedTimeoutSeconds: paused it stays
      assertThat(warren.get("/v1/sandboxes/" + stays).json().path("state").asString()).isEqualTo("paused");
      assertThat(warren.get("/v1/events?subject=" + id).text()).contains("sandbox.paused", "sandbox.idle-stopped");
    }
  }

  private static void pause(TestWarren warren, String id) {
    TestWarren.Resp r = warren.post("/v1/sandboxes/" + id + "/pause", null);
    assertThat(r.status()).as("pause %s: %s", id, r).isEqualTo(200);
    assertThat(r.json().path("state").asString()).isEqualTo("paused");
  }

  /** The loop's count, read from the host through a sandbox process's root (works while it is frozen). */
  static long counter(String id) {
    for (long pid : HostState.processesOf(id)) {
      try {
        String t = Files.readString(Path.of("/proc", Long.toString(pid), "root", "tmp", "n")).strip();
        if (!t.isEmpty()) {
          return Long.parseLong(t);
        }
      } catch (IOException | NumberFormatException e) {
        // that process has gone, or the loop has not written yet
      }
    }
    return -1;
  }

  /** Sets the sandbox's freezer behind the controller's back, as a controller killed mid-pause or mid-resume leaves it. */
  private static void freezer(String id, boolean frozen) throws IOException {
    for (String dir : HostState.cgroupsOf(id)) {
      Path state = Path.of(dir, "freezer.state");
      if (Files.exists(state)) {
        Files.writeString(state, frozen ? "FROZEN" : "THAWED");
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> HostState.frozen(id) == frozen);
  }

  private static double p50(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2) / 1e6;
  }
}
