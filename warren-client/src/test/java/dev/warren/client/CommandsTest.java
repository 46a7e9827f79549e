package dev.warren.client;

import static dev.warren.client.FakeServer.empty;
import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Session commands against a scripted server: submits, waits, stdin, signals and raw output on the wire. */
class CommandsTest {

  private static final String S = "/v1/sandboxes/sbx_1/sessions";

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();
  private final Sessions sessions = warren.sandboxes().attach("sbx_1").sessions();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  static String jobJson(String state, String exitCode) {
    return """
        {"id":"cmd_1","sessionId":"ses_1","sandboxId":"sbx_1","seq":3,"command":"make","state":"%s","exitCode":%s,
         "submittedAt":"2026-11-22T10:15:30Z","startedAt":"2026-11-22T10:15:30.5Z","endedAt":null,"durationMs":null,
         "stdin":true,"timeoutSeconds":1.5,"timedOut":false,"signal":"INT","shellRestarted":false,"reason":null,
         "stdoutBytes":6,"stderrBytes":0,"stdout":"hello\\n","stdoutTruncated":false,"stderr":"","stderrTruncated":false}
        """.formatted(state, exitCode);
  }

  @Test
  void runSendsTheRequestAndReadsEveryFieldOfTheJob() {
    server.enqueue(json(200, jobJson("finished", "0")), json(200, jobJson("finished", "0")));
    Session sh = sessions.attach("ses_1");

    CommandResult r = sh.run(CommandRequest.of("make").timeout(Duration.ofMinutes(5)).waitFor(Duration.ofSeconds(30))
        .stdin("yes ✓\n"));
    sh.run("ls");

    assertThat(server.requests().get(0).bodyText())
        .isEqualTo("{\"command\":\"make\",\"waitSeconds\":30,\"timeoutSeconds\":300,\"stdin\":\"yes ✓\\n\"}");
    assertThat(server.requests().get(1).bodyText()).isEqualTo("{\"command\":\"ls\",\"waitSeconds\":60}");
    assertThat(r.exitCode()).isEqualTo(0);
    assertThat(r.stdout()).isEqualTo("hello\n");
    assertThat(r.succeeded()).isTrue();
    CommandInfo info = r.info();
    assertThat(info.seq()).isEqualTo(3);
    assertThat(info.startedAt()).contains(Instant.parse("2026-11-22T10:15:30.5Z"));
    assertThat(info.endedAt()).isEmpty();
    assertThat(info.stdinPiped()).isTrue();
    assertThat(info.timeout()).contains(Duration.ofMillis(1500));
    assertThat(info.signal()).contains(Signal.INT);
    assertThat(info.stdoutBytes()).isEqualTo(6);
  }

  @Test
  void aLongWaitIsAShortSubmitThenReadsThatAreRetried() {
    server.enqueue(json(202, jobJson("running", "null")), problem(503, "runtime-unavailable", "busy"),
        json(200, jobJson("finished", "2")));

    CommandResult r = sessions.attach("ses_1").run(CommandRequest.of("make").waitFor(Duration.ofMinutes(10)));

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(server.requests().getFirst().bodyText()).isEqualTo("{\"command\":\"make\",\"waitSeconds\":60}");
    assertThat(server.requests().subList(1, 3)).allSatisfy(req -> {
      assertThat(req.method() + " " + req.path()).isEqualTo("GET " + S + "/ses_1/commands/cmd_1");
      assertThat(req.rawQuery()).isEqualTo("wait=60");
    });
  }

  @Test
  void inputThatIsNotUtf8GoesThroughTheRawStdinCall() {
    server.enqueue(json(202, jobJson("running", "null")), empty(204), json(200, jobJson("finished", "0")));
    byte[] binary = {(byte) 0xff, 0, 1, (byte) 0xc3};

    sessions.attach("ses_1").run(CommandRequest.of("sha256sum").stdin(binary));

    var requests = server.requests();
    assertThat(requests.get(0).bodyText()).isEqualTo("{\"command\":\"sha256sum\",\"async\":true,\"keepStdinOpen\":true}");
    assertThat(requests.get(1).path() + "?" + requests.get(1).rawQuery()).isEqualTo(S + "/ses_1/commands/cmd_1/stdin?eof=true");
    assertThat(requests.get(1).body()).isEqualTo(binary);
    assertThat(requests.get(1).header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(requests.get(2).method()).isEqualTo("GET");
  }

  @Test
  void aCommandHandleSendsStdinSignalsAndReadsRawOutput() {
    server.enqueue(json(202, jobJson("running", "null")), empty(204), empty(204), json(200, jobJson("running", "null")),
        new FakeServer.Answer(200, Map.of("Content-Type", "application/octet-stream"), new byte[] {1, 2, 3}),
        json(200, jobJson("finished", "0")));

    Command job = sessions.attach("ses_1").start(CommandRequest.of("cat").keepStdinOpen(true));
    job.stdin("one\n");
    job.closeStdin();
    assertThat(job.signal(Signal.INT).state()).isEqualTo(CommandState.RUNNING);
    assertThat(job.stdout(5)).containsExactly(1, 2, 3);
    assertThat(job.await(Duration.ZERO).exitCode()).isEqualTo(0);

    var requests = server.requests();
    assertThat(requests.get(0).bodyText()).isEqualTo("{\"command\":\"cat\",\"async\":true,\"keepStdinOpen\":true}");
    assertThat(new String(requests.get(1).body(), StandardCharsets.UTF_8)).isEqualTo("one\n");
    assertThat(requests.get(1).rawQuery()).isNull();
    assertThat(requests.get(2).rawQuery()).isEqualTo("eof=true");
    assertThat(requests.get(2).body()).isEmpty();
    assertThat(requests.get(3).bodyText()).isEqualTo("{\"signal\":\"INT\"}");
    assertThat(requests.get(4).path() + "?" + requests.get(4).rawQuery())
        .isEqualTo(S + "/ses_1/commands/cmd_1/logs?stream=stdout&offset=5");
    assertThat(requests.get(5).rawQuery()).isEqualTo("wait=0");
  }
}
