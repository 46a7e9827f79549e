package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Limits and namespaces hold: a sandbox cannot hurt the host, the controller or its neighbours. */
class SandboxIsolationTest {
  static TestWarren warren;
  static String neighbour;

  @BeforeAll
  static void start() {
    // the API on every address, so a sandbox could try the bridge address
    warren = TestWarren.start(java.util.Map.of("WARREN_LISTEN", "0.0.0.0:0"));
    neighbour = warren.createSandbox("{}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  private static JsonNode exec(String id, String command, int timeoutSeconds) {
    var r = warren.post("/v1/sandboxes/" + id + "/exec", TestWarren.json(java.util.Map.of("command", command, "timeoutSeconds", timeoutSeconds)));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  private static void neighbourAndControllerAreFine() {
    assertThat(warren.get("/healthz").status()).isEqualTo(200);
    assertThat(exec(neighbour, "echo alive", 10).path("stdout").asString()).isEqualTo("alive\n");
  }

  /**
   * Sandboxes busy on every CPU (a Chromium starting, a build) take a quarter of what one host
   * process gets when the CPUs are short, so the controller (a restart every tenant waits for, the
   * API every tenant uses) is not slowed down by them: a host process spinning beside a sandbox
   * spinning on both CPUs gets nearly a CPU of its own (about 89 %; it got two thirds before, as
   * an equal of the sandboxes' cgroup). The weight is given back when something resets it.
   */
  @Test
  void busySandboxesWeighAQuarterOfAHostProcessForTheCpus() throws Exception {
    Path shares = Path.of("/sys/fs/cgroup/cpu/warren/cpu.shares");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/cpu")), "a cgroup v1 cpu hierarchy (this host's)");
    // the measure means something only on an otherwise idle host: a spinner alone must get nearly a CPU
    double alone = hostShare();
    org.junit.jupiter.api.Assumptions.assumeTrue(alone > 0.9, "the host is busy with other work: a spinner alone got " + alone + " of a CPU");
    String hog = warren.createSandbox("{\"limits\": {\"cpus\": 2}}");
    assertThat(Path.of("/sys/fs/cgroup/cpu/warren", warren.instanceName(), hog)).isDirectory();
    assertThat(Files.readString(shares).strip()).isEqualTo("256");
    exec(hog, "for i in 1 2; do (while :; do :; done) & done; echo spinning", 10);
    try {
      assertThat(hostShare()).as("the CPU share of a host process beside a busy sandbox (alone: %s)", alone).isGreaterThan(0.78);
      neighbourAndControllerAreFine();
    } finally {
      warren.delete("/v1/sandboxes/" + hog);
    }
    // crun makes the parent again with the default weight if it was removed; a start puts the weight back
    Files.writeString(shares, "1024");
    String next = warren.createSandbox("{}");
    assertThat(Files.readString(shares).strip()).isEqualTo("256");
    warren.delete("/v1/sandboxes/" + next);
  }

  /** The share of a CPU a host process spinning for 3 s gets. */
  private static double hostShare() throws Exception {
    Process host = new ProcessBuilder("python3", "-c", """
        import os, time
        t0 = time.monotonic(); c0 = sum(os.times()[:2])
        while time.monotonic() - t0 < 3: pass
        print(round((sum(os.times()[:2]) - c0) / (time.monotonic() - t0), 3))""").redirectErrorStream(true).start();
    String share = new String(host.getInputStream().readAllBytes()).strip();
    assertThat(host.waitFor()).as(share).isZero();
    return Double.parseDouble(share);
  }

  @Test
  void forkBombIsStoppedByThePidsLimit() {
    String id = warren.createSandbox("{\"limits\": {\"pids\": 64}}");
    JsonNode bomb = exec(id, "bomb() { bomb | bomb & }; bomb; sleep 4; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null; true", 6);
    // the bomb either hits the timeout or the shell gives up; either way the limit held
    assertThat(bomb.path("stderr").asString() + bomb.path("stdout").asString() + bomb.path("timedOut").asBoolean())
        .containsAnyOf("Cannot fork", "Resource temporarily unavailable", "retry", "true");
    neighbourAndControllerAreFine();
    JsonNode after = exec(id, "echo still usable", 10);
    assertThat(after.path("stdout").asString()).isEqualTo("still usable\n");
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void memoryHogIsKilledInsideItsCgroup() {
    String id = warren.createSandbox("{\"limits\": {\"memoryMb\": 64}}");
    JsonNode hog = exec(id, "python3 -c 'x = bytearray(400 * 1024 * 1024); print(len(x))'", 60);
    assertThat(hog.path("exitCode").asInt()).isEqualTo(137);
    assertThat(hog.path("oomKilled").asBoolean()).isTrue();
    assertThat(hog.path("message").asString()).contains("memory limit of 64 MiB");
    assertThat(exec(id, "echo survived", 10).path("stdout").asString()).isEqualTo("survived\n");
    neighbourAndControllerAreFine();
    warren.delete("/v1/sandboxes/" + id);
  }

  @Test
  void sandboxSeesOnlyItsOwnProcesses() {
    JsonNode ps = exec(neighbour, "ps -eo pid,comm --no-headers", 10);
    String out = ps.path("stdout").asString();
    assertThat(out).contains("1 tini");
    assertThat(out.lines().count()).isLessThan(10);
    assertThat(out).doesNotContain("java");
    long hostPids;
    try (var s = Files.list(Path.of("/proc"))) {
      hostPids = s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(hostPids).isGreaterThan(out.lines().count());
  }

  @Test
  void sandboxRunsAsAnUnprivilegedHostUid() throws Exception {
    JsonNode r = exec(neighbour, "cat /proc/self/uid_map; id -u", 10);
    String[] map = r.path("stdout").asString().strip().split("\\s+");
    assertThat(map[0]).isEqualTo("0");
    assertThat(Long.parseLong(map[1])).isGreaterThanOrEqualTo(1L << 30);
    assertThat(map[2]).isEqualTo("65536");
    // on the host, the sandbox's processes belong to that uid, not to root
    for (long pid : dev.warren.testing.HostState.processesOf(neighbour)) {
      String status = Files.readString(Path.of("/proc/" + pid + "/status"));
      String uid = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
      assertThat(uid).isEqualTo(map[1]);
    }
  }

  @Test
  void sandboxHasNoRouteOutAndCannotReachNeighboursOrTheController() {
    String web = warren.createSandbox("{}");
    String webAddress = warren.get("/v1/sandboxes/" + web).json().path("address").asString();
    exec(web, "nohup python3 -m http.server 8000 >/dev/null 2>&1 & sleep 0.5; echo started", 10);
    assertThat(exec(web, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/", 10)
        .path("stdout").asString()).isEqualTo("200");

    JsonNode routes = exec(neighbour, "ip route; ip -6 route 2>/dev/null | grep -v '^fe80' || true", 10);
    assertThat(routes.path("stdout").asString()).doesNotContain("default");

    JsonNode outside = exec(neighbour, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' http://1.1.1.1/; echo \" exit=$?\"", 10);
    assertThat(outside.path("stdout").asString()).isEqualTo("000 exit=7\n");

    JsonNode direct = exec(neighbour, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' http://" + webAddress + ":8000/; echo \" exit=$?\"", 10);
    assertThat(direct.path("stdout").asString()).startsWith("000");

    String gateway = exec(neighbour, "echo $HTTP_PROXY", 10).path("stdout").asString().strip()
        .replace("http://", "").replaceAll(":\\d+$", "");
    int apiPort = warren.base().getPort();
    JsonNode api = exec(neighbour, "curl -s --noproxy '*' -m 3 -o /dev/null -w '%{http_code}' http://" + gateway + ":" + apiPort
        + "/healthz; echo \" exit=$?\"", 10);
    assertThat(api.path("stdout").asString()).startsWith("000");

    // not even through the egress proxy with everything allowed
    String open = warren.createSandbox("{\"egress\": {\"allow\": [\"*\"]}}");
    JsonNode viaProxy = exec(open, "curl -s -m 5 -o /dev/null -w '%{http_code}' http://" + webAddress + ":8000/", 10);
    assertThat(viaProxy.path("stdout").asString()).isEqualTo("403");
    JsonNode apiViaProxy = exec(open, "curl -s --noproxy '' -x $HTTP_PROXY -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" + apiPort + "/healthz", 10);
    assertThat(apiViaProxy.path("stdout").asString()).isEqualTo("403");
    warren.delete("/v1/sandboxes/" + web);
    warren.delete("/v1/sandboxes/" + open);
  }
}
