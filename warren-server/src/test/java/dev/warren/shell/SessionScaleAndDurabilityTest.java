package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Many sessions at once, big output, live logs, and a controller killed mid-command. */
class SessionScaleAndDurabilityTest {

  @Test
  void sixSessionsAreIsolatedButShareFilesAndProcessesAndRunConcurrently() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      ShellFixture f = new ShellFixture(warren, warren.createSandbox("{}"));
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String s = f.session(Map.of("env", Map.of("WHO", "s" + i)));
        f.run(s, "mkdir -p /tmp/s" + i + " && cd /tmp/s" + i + "; mine() { echo fn-" + i + "; }; export MINE=" + i);
        sessions.add(s);
      }
      for (int i = 0; i < 6; i++) {
        assertThat(f.out(sessions.get(i), "pwd; echo $WHO $MINE; mine; type mine >/dev/null && echo has-fn"))
            .isEqualTo("/tmp/s" + i + "\ns" + i + " " + i + "\nfn-" + i + "\nhas-fn\n");
      }
      // shared filesystem and process space
      f.run(sessions.get(0), "echo shared > /tmp/shared.txt; nohup sleep 600 >/dev/null 2>&1 &");
      assertThat(f.out(sessions.get(5), "cat /tmp/shared.txt; ps -eo args | grep -c '^sleep 600$'")).isEqualTo("shared\n1\n");
      // concurrent: six one-second commands take about one second, not six
      long t0 = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (String s : sessions) {
        ids.add(f.submitAsync(s, "sleep 1; echo done-$MINE").path("id").asString());
      }
      for (int i = 0; i < 6; i++) {
        assertThat(f.await(sessions.get(i), ids.get(i), 20).path("stdout").asString()).isEqualTo("done-" + i + "\n");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aHundredSessionsTimesTenCommandsLoseAndMixNothing() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      ShellFixture f = new ShellFixture(warren, warren.createSandbox("{\"limits\": {\"pids\": 2048, \"memoryMb\": 2048}}"));
      List<String> sessions = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
        List<Future<String>> made = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          int n = i;
          made.add(pool.submit(() -> f.session(Map.of("env", Map.of("N", Integer.toString(n))))));
        }
        for (Future<String> m : made) {
          sessions.add(m.get());
        }
        List<Future<List<String>>> runs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String s = sessions.get(i);
          int n = i;
          runs.add(pool.submit(() -> {
            List<String> outs = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
              JsonNode j = f.run(s, "COUNT=$((${COUNT:-0} + 1)); printf 'session %s command %s count %s\\n' $N " + k + " $COUNT; "
                  + "printf 'err %s %s\\n' $N " + k + " >&2");
              assertThat(j.path("exitCode").asInt()).isZero();
              assertThat(j.path("stderr").asString()).isEqualTo("err " + n + " " + k + "\n");
              outs.add(j.path("stdout").asString());
            }
            return outs;
          }));
        }
        for (int i = 0; i < 100; i++) {
          List<String> outs = runs.get(i).get();
          for (int k = 0; k < 10; k++) {
            assertThat(outs.get(k)).isEqualTo("session " + i + " command " + k + " count " + (k + 1) + "\n");
          }
        }
      }
    }
  }

  @Test
  void aHundredMegabytesOfOutputStreamWithoutFillingTheControllersMemory() throws Exception {
    // a controller with a 96 MiB heap cannot hold 100 MB of output: it has to stream
    try (TestWarren warren = TestWarren.start(Map.of("TEST_CONTROLLER_HEAP", "96m"))) {
      ShellFixture f = new ShellFixture(warren, warren.createSandbox("{}"));
      String s = f.session();
      JsonNode j = f.run(s, Map.of("command", "head -c 100000000 /dev/urandom | tee /tmp/big | sha256sum > /tmp/big.sha; cat /tmp/big",
          "waitSeconds", 120));
      assertThat(j.path("state").asString()).isEqualTo("finished");
      assertThat(j.path("stdoutBytes").asLong()).isEqualTo(100_000_000L);
      assertThat(j.path("stdoutTruncated").asBoolean()).isTrue();
      assertThat(j.path("stdout").asString().length()).isLessThanOrEqualTo(1 << 20);
      String expected = f.out(s, "cut -d' ' -f1 /tmp/big.sha").strip();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest req = HttpRequest.newBuilder(warren.base().resolve(f.base(s) + "/commands/" + j.path("id").asString() + "/logs"))
          .header("Authorization", "Bearer " + warren.token()).build();
      HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long total = 0;
      try (var in = r.body()) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
          sha.update(buf, 0, n);
          total += n;
        }
      }
      assertThat(total).isEqualTo(100_000_000L);
      assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(expected);
      assertThat(warren.get("/healthz").status()).isEqualTo(200);
    }
  }

  @Test
  void logsAreFollowedLiveAndAReconnectResumesAtItsOffset() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      ShellFixture f = new ShellFixture(warren, warren.createSandbox("{}"));
      String s = f.session();
      String id = f.submitAsync(s, "for i in $(seq 1 20); do echo line-$i; sleep 0.1; done").path("id").asString();
      URI uri = warren.base().resolve(f.base(s) + "/commands/" + id + "/logs?follow=true");
      HttpClient http = HttpClient.newHttpClient();
      // first connection: read until a few lines arrived, then drop it
      StringBuilder got = new StringBuilder();
      long offset = 0;
      long firstDataAt = 0;
      long t0 = System.nanoTime();
      HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + warren.token()).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && got.toString().split("\n").length < 5) {
          if (line.startsWith("id: ")) {
            offset = Long.parseLong(line.substring(4));
          } else if (line.startsWith("data: ")) {
            if (firstDataAt == 0) {
              firstDataAt = System.nanoTime();
            }
            got.append(new String(Base64.getDecoder().decode(line.substring(6)), StandardCharsets.UTF_8));
          }
        }
      }
      // streamed as produced: the first line came long before the command ended (2 s)
      assertThat(Duration.ofNanos(firstDataAt - t0)).isLessThan(Duration.ofMillis(1500));
      assertThat(offset).isEqualTo(got.toString().getBytes(StandardCharsets.UTF_8).length);
      // second connection resumes exactly at the offset and ends with the exit event
      HttpResponse<java.io.InputStream> r2 = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + warren.token())
          .header("Last-Event-ID", Long.toString(offset)).build(), HttpResponse.BodyHandlers.ofInputStream());
      String exit = null;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r2.body(), StandardCharsets.UTF_8))) {
        String line;
        String event = null;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && "output".equals(event)) {
            got.append(new String(Base64.getDecoder().decode(line.substring(6)), StandardCharsets.UTF_8));
          } else if (line.startsWith("data: ") && "exit".equals(event)) {
            exit = line.substring(6);
          }
        }
      }
      StringBuilder expected = new StringBuilder();
      for (int i = 1; i <= 20; i++) {
        expected.append("line-").append(i).append('\n');
      }
      assertThat(got.toString()).isEqualTo(expected.toString());
      assertThat(exit).contains("\"state\":\"finished\"").contains("\"exitCode\":0");
    }
  }

  @Test
  void killNineOfTheControllerMidCommandLosesNothing() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      ShellFixture f = new ShellFixture(warren, warren.createSandbox("{}"));
      String s = f.session();
      f.run(s, "cd /tmp; export SURVIVES=yes");
      String running = f.submitAsync(s, "for i in 1 2 3; do echo tick-$i; sleep 1; done; exit 7").path("id").asString();
      String queued = f.submitAsync(s, "echo queued-ran $SURVIVES").path("id").asString();
      Thread.sleep(500);
      warren.kill9AndRestart();
      JsonNode session = warren.get(f.base(s)).json();
      assertThat(session.path("state").asString()).isEqualTo("ready");
      JsonNode first = f.await(s, running, 20);
      assertThat(first.path("state").asString()).isEqualTo("finished");
      assertThat(first.path("exitCode").asInt()).isEqualTo(7);
      assertThat(first.path("stdout").asString()).isEqualTo("tick-1\ntick-2\ntick-3\n");
      JsonNode second = f.await(s, queued, 20);
      assertThat(second.path("stdout").asString()).isEqualTo("queued-ran yes\n");
      assertThat(f.out(s, "pwd; echo $SURVIVES")).isEqualTo("/tmp\nyes\n");
    }
  }

  /**
   * Found by {@code ./warren bench chaos}: a controller killed after handing a command to the shell
   * but before storing it, then killed again before storing any other, made the third controller
   * number its next command as the first had, so the shell skipped it as already run and the
   * command stayed running forever. The shell's number is handed over here as the first controller
   * would have (into the session's control FIFO); each restart must continue past every number whose
   * files the session has.
   */
  @Test
  void aCommandTheShellRanButTheStoreNeverKnewDoesNotTakeTheNumberOfTheNextAcrossTwoRestarts() throws Exception {
    try (TestWarren warren = TestWarren.start()) {
      String sandbox = warren.createSandbox("{}");
      ShellFixture f = new ShellFixture(warren, sandbox);
      String s = f.session();
      long stored = f.run(s, "n=1").path("seq").asLong();
      warren.kill9AndRestart();
      String dir = "/var/lib/warren/sessions/" + s;
      // the number this controller gives its next command, handed over as if by a controller killed before storing it
      long next = stored + 1 + LiveSession.RESTART_GAP;
      String text = "n=99; echo unstored";
      warren.exec(sandbox, "printf '%s cmd_unstored null %s\\n%s' " + next + " " + text.getBytes(StandardCharsets.UTF_8).length
          + " '" + text + "' > " + dir + "/ctl");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!warren.exec(sandbox, "cat " + dir + "/" + next + ".exit 2>/dev/null").path("stdout").asString().endsWith("\n")) {
        assertThat(System.nanoTime()).as("the shell ran command %d", next).isLessThan(deadline);
        Thread.sleep(50);
      }
      warren.kill9AndRestart();
      JsonNode after = warren.post(f.base(s) + "/commands", TestWarren.json(Map.of("command", "echo $n", "waitSeconds", 10))).json();
      assertThat(after.path("state").asString()).as(after.toString()).isEqualTo("finished");
      assertThat(after.path("stdout").asString()).isEqualTo("99\n");
      assertThat(after.path("seq").asLong()).isGreaterThan(next);
      assertThat(f.out(s, "echo again $n")).isEqualTo("again 99\n");
    }
  }

  @Test
  void aRestartedSandboxEndsItsSessionsWithAReason() {
    try (TestWarren warren = TestWarren.start()) {
      String sandbox = warren.createSandbox("{}");
      ShellFixture f = new ShellFixture(warren, sandbox);
      String s = f.session();
      assertThat(warren.post("/v1/sandboxes/" + sandbox + "/restart", null).status()).isEqualTo(200);
      JsonNode ended = warren.get(f.base(s)).json();
      assertThat(ended.path("state").asString()).isEqualTo("ended");
      assertThat(ended.path("stateReason").asString()).contains("sandbox stopped");
      var r = warren.post(f.base(s) + "/commands", "{\"command\": \"true\"}");
      assertThat(r.status()).isEqualTo(409);
      String fresh = f.session();
      assertThat(f.out(fresh, "echo $WARREN_GENERATION")).isEqualTo("2\n");
    }
  }
}
