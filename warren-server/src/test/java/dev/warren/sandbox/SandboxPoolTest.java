package dev.warren.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warren.config.Config;
import dev.warren.config.ConfigException;
import dev.warren.testing.HostState;
import dev.warren.testing.OutsideHost;
import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The warm pool ({@code WARREN_SANDBOX_POOL}) through the real API on crun: matching creates are
 * handed a pooled sandbox with the caller's settings applied, other creates are normal ones,
 * pooled sandboxes are nobody's (not listed, not reachable, never idle), the pool refills, survives
 * kill -9 (same sandboxes adopted, a hand-over interrupted by the kill ending one way or the
 * other), shrinks to a lowered setting, and leaves nothing on the host.
 */
class SandboxPoolTest {

  /** The sandboxes this controller has on the host (their directories), whoever's they are. */
  private static Set<String> onHost(TestWarren warren) {
    try (Stream<Path> dirs = Files.list(warren.dataDir().resolve("sandboxes"))) {
      Set<String> out = new HashSet<>();
      dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sbx_")).forEach(out::add);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> listed(TestWarren warren) {
    Set<String> out = new HashSet<>();
    warren.get("/v1/sandboxes").json().path("sandboxes").forEach(s -> out.add(s.path("id").asString()));
    return out;
  }

  /** The pooled sandboxes: on the host, running, and not any caller's. */
  private static Set<String> pooled(TestWarren warren) {
    Set<String> out = onHost(warren);
    out.removeAll(listed(warren));
    out.removeIf(id -> HostState.processesOf(id).isEmpty());
    return out;
  }

  private static int ready(TestWarren warren, String image) {
    Resp r = warren.get("/readyz");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().path("sandboxPool").path(image).path("ready").asInt(-1);
  }

  private static void awaitPool(TestWarren warren, int n) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> ready(warren, "base") == n && pooled(warren).size() == n);
  }

  private static double metric(TestWarren warren, String name) {
    String text = warren.get("/metrics").text();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") && line.contains("image=\"base\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " in /metrics:\n" + text);
  }

  private static String curl(TestWarren warren, String id, String url) {
    return warren.exec(id, "curl -s --noproxy '' -m 10 -w ' %{http_code}' " + url).path("stdout").asString();
  }

  @Test
  void matchingCreateIsHandedAPooledSandboxWithTheCallersSettingsAndThePoolRefills() throws Exception {
    com.sun.net.httpserver.HttpServer origin = OutsideHost.shared().http(ex -> {
      byte[] body = "hello from the origin".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    String target = OutsideHost.shared().target(origin.getAddress().getPort());
    AutoCloseable stopOrigin = () -> origin.stop(0);
    try (stopOrigin; TestWarren warren = TestWarren.start(Map.of("WARREN_SANDBOX_POOL", "base=2", "WARREN_IDLE_CHECK_INTERVAL", "1s",
        "WARREN_IDLE_TIMEOUT", "3s"))) {
      awaitPool(warren, 2);
      Set<String> before = pooled(warren);
      // nobody's: not listed, not reachable by id
      assertThat(listed(warren)).isEmpty();
      for (String id : before) {
        Resp r = warren.get("/v1/sandboxes/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(warren.post("/v1/sandboxes/" + id + "/exec", "{\"command\": \"true\"}").status()).isEqualTo(404);
      }

      Resp created = warren.post("/v1/sandboxes", "{\"env\": {\"FOO\": \"bar baz\", \"PATH\": \"/opt/x:/usr/bin:/bin\"}, "
          + "\"labels\": {\"team\": \"a\"}, \"egress\": {\"allow\": [\"" + target + "\"]}, \"idleTimeoutSeconds\": 0}");
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      JsonNode s = created.json();
      String id = s.path("id").asString();
      assertThat(s.path("pooled").asBoolean()).isTrue();
      assertThat(before).contains(id);
      assertThat(s.path("state").asString()).isEqualTo("running");
      assertThat(s.path("env").path("FOO").asString()).isEqualTo("bar baz");
      assertThat(s.path("labels").path("team").asString()).isEqualTo("a");
      assertThat(s.path("egress").path("allow").get(0).asString()).isEqualTo(target);
      assertThat(created.raw().headers().firstValue("Location")).hasValue("/v1/sandboxes/" + id);

      // its first exec sees the caller's environment (and Warren's, with its own id)
      JsonNode r = warren.exec(id, "echo \"$FOO\"; echo $PATH; echo $WARREN_SANDBOX_ID; echo $HTTP_PROXY");
      String[] lines = r.path("stdout").asString().split("\n");
      assertThat(lines[0]).isEqualTo("bar baz");
      assertThat(lines[1]).isEqualTo("/opt/x:/usr/bin:/bin");
      assertThat(lines[2]).isEqualTo(id);
      assertThat(lines[3]).startsWith("http://");
      // what carries it in the sandbox is the sandbox's root's alone, like the bundle's config.json on the host
      assertThat(warren.exec(id, "stat -c '%a %u' /var/lib/warren/agent/env").path("stdout").asString()).isEqualTo("600 0\n");
      // its egress is the caller's (a pooled sandbox's is deny-all)
      assertThat(curl(warren, id, "http://" + target + "/page")).isEqualTo("hello from the origin 200");
      // so do sessions
      Resp session = warren.post("/v1/sandboxes/" + id + "/sessions", "{}");
      assertThat(session.status()).as(session.toString()).isEqualTo(201);
      Resp cmd = warren.post("/v1/sandboxes/" + id + "/sessions/" + session.json().path("id").asString() + "/commands",
          "{\"command\": \"echo session-$FOO\"}");
      assertThat(cmd.json().path("stdout").asString()).as(cmd.toString()).isEqualTo("session-bar baz\n");

      // the caller's now: listed, found by its label, counted
      assertThat(listed(warren)).containsExactly(id);
      assertThat(warren.get("/v1/sandboxes?label=team=a").json().path("sandboxes")).hasSize(1);
      assertThat(warren.get("/v1/sandboxes/" + id).json().path("labels").path("team").asString()).isEqualTo("a");

      // the pool makes another one
      awaitPool(warren, 2);
      assertThat(pooled(warren)).doesNotContain(id);
      assertThat(metric(warren, "warren_sandbox_pool_claims_total")).isEqualTo(1.0);
      assertThat(metric(warren, "warren_sandbox_pool_refills_total")).isGreaterThanOrEqualTo(3.0);
      assertThat(metric(warren, "warren_sandbox_pool_ready")).isEqualTo(2.0);

      // a create with the default idle timeout (3 s here) gets it at the hand-over: stopped when idle,
      // while the pooled sandboxes, idle all along, keep running
      Set<String> poolNow = pooled(warren);
      Resp idle = warren.post("/v1/sandboxes", "{}");
      assertThat(idle.json().path("pooled").asBoolean()).as(idle.toString()).isTrue();
      String idleId = idle.json().path("id").asString();
      assertThat(idle.json().path("idleTimeoutSeconds").asLong()).isEqualTo(3);
      assertThat(curl(warren, idleId, "http://" + target + "/page")).endsWith(" 403");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> warren.get("/v1/sandboxes/" + idleId).json().path("state").asString().equals("stopped"));
      awaitPool(warren, 2);
      Set<String> older = new HashSet<>(poolNow);
      older.remove(idleId);
      assertThat(pooled(warren)).containsAll(older);
      assertThat(warren.get("/v1/sandboxes/" + id).json().path("state").asString()).isEqualTo("running");

      // afterwards it is an ordinary sandbox: a restart boots it with the caller's environment
      JsonNode restarted = warren.post("/v1/sandboxes/" + id + "/restart", null).json();
      assertThat(restarted.path("generation").asLong()).isEqualTo(2);
      assertThat(warren.exec(id, "echo \"$FOO\"").path("stdout").asString()).isEqualTo("bar baz\n");
      assertThat(warren.post("/v1/sandboxes/" + id + "/pause", null).json().path("state").asString()).isEqualTo("paused");
      assertThat(warren.exec(id, "echo again").path("stdout").asString()).isEqualTo("again\n");
      // files, and a fork of it: its files and its caller's environment (the fork boots from the spec, like any)
      assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/workspace/note", "kept".getBytes()).status()).isIn(200, 204);
      assertThat(warren.get("/v1/sandboxes/" + id + "/files?path=/workspace/note").text()).isEqualTo("kept");
      Resp forked = warren.post("/v1/sandboxes/" + id + "/fork", "{\"count\": 1}");
      assertThat(forked.status()).as(forked.toString()).isEqualTo(201);
      String fork = forked.json().path("sandboxes").get(0).path("id").asString();
      assertThat(warren.exec(fork, "cat /workspace/note; echo \" $FOO\"").path("stdout").asString()).isEqualTo("kept bar baz\n");
      assertThat(warren.delete("/v1/sandboxes/" + fork).status()).isEqualTo(204);
      assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
      assertThat(HostState.leftoversOf(warren, id)).isEmpty();
    }
  }

  @Test
  void createsThatDoNotMatchAreNormalCreatesAndLeaveThePoolAlone() throws Exception {
    try (TestWarren warren = TestWarren.start(Map.of("WARREN_SANDBOX_POOL", "base=1"))) {
      awaitPool(warren, 1);
      Set<String> before = pooled(warren);
      Resp other = warren.post("/v1/sandboxes", "{\"env\": {\"FOO\": \"cold\"}, \"limits\": {\"memoryMb\": 256}}");
      assertThat(other.status()).as(other.toString()).isEqualTo(201);
      assertThat(other.json().path("pooled").asBoolean(true)).isFalse();
      String id = other.json().path("id").asString();
      assertThat(before).doesNotContain(id);
      assertThat(warren.exec(id, "echo $FOO").path("stdout").asString()).isEqualTo("cold\n");
      assertThat(pooled(warren)).isEqualTo(before);
      assertThat(metric(warren, "warren_sandbox_pool_claims_total")).isEqualTo(0.0);
      assertThat(metric(warren, "warren_sandbox_pool_misses_total")).isEqualTo(0.0);

      // the SDK's answer says which create was served from the pool (a refresh, like GET, does not)
      try (dev.warren.client.Sandbox claimed = warren.sdk().sandboxes().create(dev.warren.client.SandboxSpec.defaults())) {
        assertThat(claimed.info().pooled()).as(claimed.info().toString()).isTrue();
        assertThat(before).contains(claimed.id());
        assertThat(claimed.refresh().pooled()).isFalse();
      }
      assertThat(warren.sdk().sandboxes().get(id).orElseThrow().info().pooled()).isFalse();
      // and so does the Python SDK's
      awaitPool(warren, 1);
      dev.warren.client.WarrenClientsTest.run(warren, dev.warren.client.WarrenClientsTest.CLIENTS.resolve("python"), List.of("python3", "-c", """
          import os
          from warren import Warren
          with Warren(os.environ["WARREN_URL"], os.environ["WARREN_TOKEN"]) as w, w.sandboxes.create() as s:
              assert s.info.pooled is True, s.info
              assert s.refresh().pooled is False, s.info
          """));
      await().atMost(Duration.ofSeconds(30)).until(() -> listed(warren).equals(Set.of(id)));
    }
  }

  @Test
  void killNineAdoptsThePoolAnInterruptedHandOverEndsOneWayAndALowerSettingShrinksIt() throws Exception {
    Path dir = TestWarren.newDataDir();
    Map<String, String> env = new HashMap<>(Map.of("WARREN_SANDBOX_POOL", "base=3", "WARREN_LISTEN", TestWarren.freeListenAddress()));
    Set<String> all = new HashSet<>();
    try (TestWarren warren = TestWarren.startOn(dir, env)) {
      awaitPool(warren, 3);
      Set<String> before = pooled(warren);
      all.addAll(before);

      warren.kill9AndRestart();
      // the same sandboxes, adopted: nothing made anew, nothing lost
      awaitPool(warren, 3);
      assertThat(pooled(warren)).isEqualTo(before);
      assertThat(listed(warren)).isEmpty();

      // hand-overs one after the other, the controller killed as soon as the first is answered, so the
      // next one is under way: each ends pooled or its caller's, with all of its settings
      java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
      CompletableFuture<Void> creates = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 3; i++) {
          Resp r;
          try {
            r = warren.post("/v1/sandboxes", "{\"env\": {\"N\": \"n" + i + "\"}, \"labels\": {\"n\": \"n" + i + "\"}}");
          } catch (RuntimeException lost) {
            return;
          }
          if (r.status() == 201) {
            answered.incrementAndGet();
          }
        }
      }, r -> Thread.ofVirtual().start(r));
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> answered.get() > 0 || creates.isDone());
      warren.kill9AndRestart();
      creates.get();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> ready(warren, "base") == 3);
      Set<String> mine = listed(warren);
      all.addAll(onHost(warren));
      // every hand-over answered before the kill is kept; the others ended one way or the other
      assertThat(answered.get()).isPositive();
      assertThat(mine.size()).isGreaterThanOrEqualTo(answered.get());
      System.out.printf("hand-overs answered before the kill: %d; the callers' after the restart: %d%n", answered.get(), mine.size());
      for (String id : mine) {
        JsonNode s = warren.get("/v1/sandboxes/" + id).json();
        String n = s.path("labels").path("n").asString();
        assertThat(n).as("a claimed sandbox has its caller's labels: %s", s).startsWith("n");
        assertThat(warren.exec(id, "echo $N").path("stdout").asString()).isEqualTo(n + "\n");
      }
      // every sandbox on the host is either somebody's or in the pool, and the pool is what the setting says
      awaitPool(warren, 3);
      Set<String> host = onHost(warren);
      Set<String> expected = new HashSet<>(mine);
      expected.addAll(pooled(warren));
      assertThat(host).isEqualTo(expected);

      // a lower setting: the surplus is deleted at the next start, the rest kept
      Set<String> poolBefore = pooled(warren);
      warren.stopProcess(false);
      env.put("WARREN_SANDBOX_POOL", "base=1");
      try (TestWarren smaller = TestWarren.startIn(dir, dir.resolve("server2.log"), env)) {
        awaitPool(smaller, 1);
        assertThat(poolBefore).containsAll(pooled(smaller));
        assertThat(listed(smaller)).isEqualTo(mine);
        for (String gone : poolBefore) {
          if (!pooled(smaller).contains(gone)) {
            assertThat(HostState.leftoversOf(smaller, gone)).as("surplus %s", gone).isEmpty();
          }
        }
        all.addAll(onHost(smaller));
      }
    } finally {
      if (Files.exists(dir)) {
        new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor();
      }
    }
    // closed and torn down: nothing of any of them is left
    assertThat(all).isNotEmpty();
    for (String id : all) {
      assertThat(HostState.leftoversOf(id)).as("left on the host by %s", id).isEmpty();
    }
  }

  @Test
  void aBadSettingStopsTheStartNamingItAndTheBadPart() {
    for (String bad : List.of("base", "base=x", "base=0", "base=2,base=3", "Base=1", "base=1,,")) {
      assertThatThrownBy(() -> Config.from(Map.of("WARREN_SANDBOX_POOL", bad, "WARREN_DATA", "/tmp/x", "WARREN_IMAGES", "/tmp/y")))
          .as(bad).isInstanceOf(ConfigException.class).hasMessageStartingWith("WARREN_SANDBOX_POOL: ");
    }
    assertThatThrownBy(() -> Config.from(Map.of("WARREN_SANDBOX_POOL", "base=x"))).hasMessageContaining("'x'");
    assertThat(Config.from(Map.of("WARREN_SANDBOX_POOL", " base = 4 , browser=1")).sandboxPool().counts())
        .containsOnly(Map.entry("base", 4), Map.entry("browser", 1));
    assertThat(Config.from(Map.of()).sandboxPool().isEmpty()).isTrue();

    // through a real start: the process exits, its output naming the setting and the part
    assertThatThrownBy(() -> TestWarren.start(Map.of("WARREN_SANDBOX_POOL", "nosuchimage=1")).close())
        .hasMessageContaining("WARREN_SANDBOX_POOL: unknown image 'nosuchimage'");
  }
}
