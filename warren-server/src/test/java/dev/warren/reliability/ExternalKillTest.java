package dev.warren.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Processes killed behind the controller's back while it runs: the state says so, with the reason,
 * and what the dead sandbox held is released. No controller restart involved.
 */
class ExternalKillTest {
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  static JsonNode await(Duration limit, Supplier<JsonNode> read, java.util.function.Predicate<JsonNode> until) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    JsonNode last = read.get();
    while (!until.test(last) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(200);
      last = read.get();
    }
    return last;
  }

  private static String sessionWithSleep(String id) {
    String sid = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
    JsonNode cmd = warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"echo started; sleep 1000\", \"async\": true}").json();
    return sid + "/commands/" + cmd.path("id").asString();
  }

  private void assertDiedAndRecovers(String id, String sessionCommand, long killedAtNanos) throws Exception {
    JsonNode s = await(Duration.ofSeconds(15), () -> warren.get("/v1/sandboxes/" + id).json(),
        n -> n.path("state").asString().equals("failed"));
    double seconds = (System.nanoTime() - killedAtNanos) / 1e9;
    assertThat(s.path("state").asString()).as(s.toString()).isEqualTo("failed");
    assertThat(s.path("stateReason").asString()).contains("ended without Warren stopping it").contains("killed from outside");
    System.out.printf("%s marked failed %.1f s after the kill: %s%n", id, seconds, s.path("stateReason").asString());
    assertThat(seconds).isLessThan(10);

    String sid = sessionCommand.substring(0, sessionCommand.indexOf('/'));
    JsonNode session = warren.get("/v1/sandboxes/" + id + "/sessions/" + sid).json();
    assertThat(session.path("state").asString()).isEqualTo("ended");
    assertThat(session.path("stateReason").asString()).contains("its sandbox stopped").contains("killed from outside");
    JsonNode cmd = warren.get("/v1/sandboxes/" + id + "/sessions/" + sessionCommand).json();
    assertThat(cmd.path("state").asString()).isEqualTo("lost");
    assertThat(cmd.path("reason").asString()).contains("its sandbox stopped");

    JsonNode events = warren.get("/v1/events?subject=" + id).json().path("events");
    assertThat(events.toString()).contains("sandbox.died");
    // what it held on the host is released: no processes, no root filesystem mount, no network namespace
    assertThat(HostState.processesOf(id)).isEmpty();
    assertThat(HostState.mountsContaining(id + "/rootfs")).isEmpty();
    assertThat(HostState.netnsContaining(id)).isEmpty();
    assertThat(warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"true\"}").status()).isEqualTo(409);

    // its files survive, and it starts again
    JsonNode started = warren.post("/v1/sandboxes/" + id + "/start", null).json();
    assertThat(started.path("state").asString()).as(started.toString()).isEqualTo("running");
    assertThat(started.path("generation").asLong()).isEqualTo(2);
    assertThat(warren.exec(id, "cat /workspace/kept").path("stdout").asString()).isEqualTo("kept\n");
  }

  @Test
  void sandboxWhoseInitIsKilledWithSigkillIsMarkedFailedWithTheReason() throws Exception {
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo kept > /workspace/kept");
    String sessionCommand = sessionWithSleep(id);
    long init = HostProcesses.initOf(id);
    assertThat(HostProcesses.cmdline(init)).contains("tini");
    long t0 = System.nanoTime();
    new ProcessBuilder("kill", "-9", Long.toString(init)).inheritIO().start().waitFor();
    assertDiedAndRecovers(id, sessionCommand, t0);
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void sandboxKilledWithCrunKillIsMarkedFailedWithTheReason() throws Exception {
    String id = warren.createSandbox("{}");
    warren.exec(id, "echo kept > /workspace/kept");
    String sessionCommand = sessionWithSleep(id);
    Path run = Path.of("/run/warren", warren.instanceName());
    List<String> crun = Files.exists(run.resolve("mntns"))
        ? List.of("nsenter", "--mount=" + run.resolve("mntns"), "--", "crun", "--root", run.resolve("crun").toString(), "kill", id, "KILL")
        : List.of("crun", "--root", run.resolve("crun").toString(), "kill", id, "KILL");
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(crun).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    assertDiedAndRecovers(id, sessionCommand, t0);
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void sessionShellKilledFromOutsideEndsTheSessionWithTheReason() throws Exception {
    String id = warren.createSandbox("{}");
    String sessionCommand = sessionWithSleep(id);
    String sid = sessionCommand.substring(0, sessionCommand.indexOf('/'));
    String other = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json().path("id").asString();
    List<Long> marked = HostProcesses.marked("WARREN_SESSION_ID", sid);
    long shell = marked.stream().filter(pid -> HostProcesses.cmdline(pid).contains("session.sh")).findFirst().orElseThrow();
    List<Long> sleeps = marked.stream().filter(pid -> HostProcesses.cmdline(pid).startsWith("sleep 1000")).toList();
    assertThat(sleeps).hasSize(1);
    long t0 = System.nanoTime();
    new ProcessBuilder("kill", "-9", Long.toString(shell)).inheritIO().start().waitFor();

    JsonNode session = await(Duration.ofSeconds(15), () -> warren.get("/v1/sandboxes/" + id + "/sessions/" + sid).json(),
        n -> n.path("state").asString().equals("ended"));
    System.out.printf("session %s ended %.1f s after its shell was killed: %s%n", sid, (System.nanoTime() - t0) / 1e9,
        session.path("stateReason").asString());
    assertThat(session.path("state").asString()).as(session.toString()).isEqualTo("ended");
    assertThat(session.path("stateReason").asString()).contains("its shell (pid").contains("was killed or ended outside Warren's control");
    JsonNode cmd = warren.get("/v1/sandboxes/" + id + "/sessions/" + sessionCommand).json();
    assertThat(cmd.path("state").asString()).isEqualTo("lost");
    assertThat(cmd.path("reason").asString()).contains("its shell (pid");
    // the command's own processes went with it; the sandbox and the other session carry on
    JsonNode gone = await(Duration.ofSeconds(5), () -> warren.exec(id, "pgrep -x sleep | wc -l"),
        n -> n.path("stdout").asString().strip().equals("0"));
    assertThat(gone.path("stdout").asString().strip()).isEqualTo("0");
    assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");
    JsonNode echo = warren.post("/v1/sandboxes/" + id + "/sessions/" + other + "/commands", "{\"command\": \"echo fine\"}").json();
    assertThat(echo.path("stdout").asString()).isEqualTo("fine\n");
    assertThat(warren.post("/v1/sandboxes/" + id + "/sessions/" + sid + "/commands", "{\"command\": \"true\"}").status()).isEqualTo(409);
    assertThat(warren.get("/v1/events?subject=" + sid).json().path("events").toString()).contains("session.shell-gone");
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void crunAndAnInitKilledFromOutsideUnderLoadAreAnswered503NamingCrunAndLoseNothing() throws Exception {
    FaultResult r = Faults.crunKilled(System.out::println);
    r.print(System.out::println);
    assertThat(r.notes()).anyMatch(n -> n.matches("[1-9][0-9]* crun calls killed"));
    assertThat(r.failures()).isEmpty();
  }

  @Test
  void chromiumKilledByTheHostIsStartedAgainInPlaceByItself() throws Exception {
    FaultResult r = Faults.chromiumKilled(System.out::println);
    r.print(System.out::println);
    assertThat(r.failures()).isEmpty();
  }
}
