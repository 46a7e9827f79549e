package dev.warren.client;

import static dev.warren.client.FakeServer.empty;
import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static dev.warren.client.FakeServer.sandboxJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SandboxHandleTest {

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @Test
  void everyCallCarriesTheBearerToken() {
    server.otherwise(r -> r.method().equals("DELETE") ? empty(204) : json(200, sandboxJson("sbx_1", "running", 1)));
    try (Sandbox sbx = warren.sandboxes().attach("sbx_1", true)) {
      sbx.refresh();
      sbx.restart();
    }
    assertThat(server.requests()).hasSize(3)
        .allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer s3cret-token"));
  }

  @Test
  void createAnswersAnOwningHandleWithTheServersView() {
    server.enqueue(json(201, sandboxJson("sbx_01JD6", "running", 1)));
    Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().image("base").build());

    SandboxInfo info = sbx.info();
    assertThat(sbx.deletesOnClose()).isTrue();
    assertThat(info.id()).isEqualTo("sbx_01JD6");
    assertThat(info.state()).isEqualTo(SandboxState.RUNNING);
    assertThat(info.stateReason()).isEmpty();
    assertThat(info.imageDigest()).contains("sha256:abc");
    assertThat(info.address()).contains("10.201.0.2");
    assertThat(info.env()).isEqualTo(Map.of("FOO", "bar"));
    assertThat(info.labels()).isEqualTo(Map.of("agent", "a42"));
    assertThat(info.limits()).isEqualTo(Limits.of(512, 256, 1.0));
    assertThat(info.egress().allow()).containsExactly("example.com:443");
    assertThat(info.egress().upstreamProxy()).contains("http://u:***@proxy:3128");
    assertThat(info.egress().reach()).containsExactly("sbx_01jd6x0000000000000000000b:3000");
    assertThat(info.idleTimeout()).contains(Duration.ofMinutes(30));
    assertThat(info.createdAt()).isEqualTo(Instant.parse("2026-11-22T10:15:30.123Z"));
    assertThat(info.stoppedAt()).isEmpty();
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void closingAnOwningHandleDeletesOnceEvenWhenCalledTwice() {
    server.enqueue(json(201, sandboxJson("sbx_1", "running", 1)), empty(204));
    Sandbox sbx = warren.sandboxes().create();
    sbx.close();
    sbx.close();

    assertThat(server.requests()).extracting(r -> r.method() + " " + r.path())
        .containsExactly("POST /v1/sandboxes", "DELETE /v1/sandboxes/sbx_1");
    assertThatThrownBy(sbx::refresh).isInstanceOf(IllegalStateException.class)
        .hasMessage("sandbox handle sbx_1 is closed");
  }

  @Test
  void closingAnOwningHandleOfAnAlreadyDeletedSandboxIsFine() {
    server.enqueue(json(201, sandboxJson("sbx_1", "running", 1)), problem(404, "not-found", "gone"));
    warren.sandboxes().create().close();
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void handlesFromGetListAndAttachDoNotDeleteOnClose() {
    server.enqueue(json(200, sandboxJson("sbx_1", "running", 1)),
        json(200, "{\"sandboxes\":[" + sandboxJson("sbx_1", "running", 1) + "]}"));
    try (Sandbox got = warren.sandboxes().get("sbx_1").orElseThrow();
         Sandbox listed = warren.sandboxes().list().getFirst();
         Sandbox attached = warren.sandboxes().attach("sbx_1")) {
      assertThat(got.deletesOnClose()).isFalse();
      assertThat(listed.deletesOnClose()).isFalse();
      assertThat(attached.deletesOnClose()).isFalse();
    }
    assertThat(server.requests()).extracting(FakeServer.Recorded::method).containsExactly("GET", "GET");
  }

  @Test
  void attachAsksNothingUntilInfoIsNeeded() {
    Sandbox sbx = warren.sandboxes().attach("sbx_1");
    assertThat(server.requests()).isEmpty();
    server.enqueue(json(200, sandboxJson("sbx_1", "stopped", 3)));
    assertThat(sbx.info().generation()).isEqualTo(3);
    assertThat(sbx.info().state()).isEqualTo(SandboxState.STOPPED);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void lifecycleCallsUpdateTheKnownInfo() {
    server.enqueue(json(201, sandboxJson("sbx_1", "running", 1)), json(200, sandboxJson("sbx_1", "stopped", 1)),
        json(200, sandboxJson("sbx_1", "running", 2)), json(200, sandboxJson("sbx_1", "running", 3)),
        json(200, sandboxJson("sbx_1", "failed", 3)));
    Sandbox sbx = warren.sandboxes().create();
    assertThat(sbx.stop().state()).isEqualTo(SandboxState.STOPPED);
    assertThat(sbx.info().state()).isEqualTo(SandboxState.STOPPED);
    assertThat(sbx.start().generation()).isEqualTo(2);
    assertThat(sbx.restart().generation()).isEqualTo(3);
    assertThat(sbx.refresh().state()).isEqualTo(SandboxState.FAILED);
    assertThat(server.requests()).extracting(r -> r.method() + " " + r.path()).containsExactly(
        "POST /v1/sandboxes", "POST /v1/sandboxes/sbx_1/stop", "POST /v1/sandboxes/sbx_1/start",
        "POST /v1/sandboxes/sbx_1/restart", "GET /v1/sandboxes/sbx_1");
  }

  @Test
  void listSendsLabelsAndStateEncoded() {
    server.enqueue(json(200, "{\"sandboxes\":[]}"));
    warren.sandboxes().list(SandboxQuery.all().withLabel("team", "a&b c").withLabel("agent", "a42")
        .withState(SandboxState.RUNNING));
    assertThat(server.requests().getFirst().rawQuery())
        .isEqualTo("label=agent%3Da42&label=team%3Da%26b%20c&state=running");
  }

  @Test
  void execDecodesBase64OutputToItsExactBytesAndReadsTheCut() {
    // stdout: bytes 0x00 0xff 0x01 0x80 (not UTF-8, so base64); stderr: text
    server.enqueue(json(200, """
        {"exitCode":0,"stdout":"AP8BgA==","stdoutEncoding":"base64","stderr":"caf\u00e9\\n","stderrEncoding":"utf-8",\
        "durationMs":3,"timedOut":false,"truncated":true,"stdoutTruncated":true,"stderrTruncated":false,\
        "stdoutBytes":16777216,"stderrBytes":6}"""));
    ExecResult r = warren.sandboxes().attach("sbx_1").exec("head -c 16M /dev/urandom");

    assertThat(r.stdoutRaw()).containsExactly(0x00, 0xff, 0x01, 0x80);
    assertThat(r.stdout()).isEqualTo("\u0000\ufffd\u0001\ufffd");
    assertThat(r.stderr()).isEqualTo("café\n");
    assertThat(r.stderrRaw()).isEqualTo("café\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(r.truncated()).isTrue();
    assertThat(r.stdoutTruncated()).isTrue();
    assertThat(r.stderrTruncated()).isFalse();
    assertThat(r.stdoutSize()).isEqualTo(16L << 20);
    assertThat(r.stderrSize()).isEqualTo(6);
  }

  @Test
  void anExecAnswerWithAnUnknownEncodingIsRefusedNotMisread() {
    server.enqueue(json(200, """
        {"exitCode":0,"stdout":"x","stdoutEncoding":"zstd","stderr":"","durationMs":3}"""));
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").exec("true")).hasMessageContaining("stdoutEncoding");
  }

  @Test
  void execSendsTheRequestAndReadsTheResult() {
    server.enqueue(json(200, """
        {"exitCode":137,"stdout":"partial","stderr":"killed","durationMs":5001,"timedOut":true,"truncated":false}"""));
    ExecResult result = warren.sandboxes().attach("sbx_1").exec(
        ExecRequest.argv("sleep", "60").cwd("/tmp").env("A", "1").stdin("x").timeout(Duration.ofSeconds(5)));

    assertThat(result).isEqualTo(new ExecResult(137, "partial", "killed", Duration.ofMillis(5001), true, false));
    assertThat(result.succeeded()).isFalse();
    var sent = server.requests().getFirst();
    assertThat(sent.path()).isEqualTo("/v1/sandboxes/sbx_1/exec");
    assertThat(sent.header("Content-Type")).isEqualTo("application/json");
    assertThat(sent.header("Idempotency-Key")).isNull();
    assertThat(sent.json()).isEqualTo(Json.parse(
        "{\"argv\":[\"sleep\",\"60\"],\"env\":{\"A\":\"1\"},\"cwd\":\"/tmp\",\"stdin\":\"x\",\"timeoutSeconds\":5}"));
  }

  @Test
  void egressEventsAreRead() {
    server.enqueue(json(200, """
        {"events":[{"host":"example.com","port":443,"method":"CONNECT","allowed":true,"reason":null,
          "viaUpstream":true,"bytesOut":10,"bytesIn":20,"startedAt":"2026-11-22T10:00:00Z","durationMs":15},
         {"host":"evil.test","port":80,"method":"GET","allowed":false,"reason":"not in allow list",
          "viaUpstream":false,"bytesOut":0,"bytesIn":0,"startedAt":"2026-11-22T09:59:00Z","durationMs":0}]}"""));
    var events = warren.sandboxes().attach("sbx_1").egressEvents(10);
    assertThat(server.requests().getFirst().rawQuery()).isEqualTo("limit=10");
    assertThat(events).containsExactly(
        new EgressEvent("example.com", 443, "CONNECT", true, Optional.empty(), true, 10, 20,
            Instant.parse("2026-11-22T10:00:00Z"), Duration.ofMillis(15)),
        new EgressEvent("evil.test", 80, "GET", false, Optional.of("not in allow list"), false, 0, 0,
            Instant.parse("2026-11-22T09:59:00Z"), Duration.ZERO));
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").egressEvents(0))
        .hasMessage("limit must be at least 1, got 0");
  }

  @Test
  void transientStatesOfAStartOrStopAreKnown() {
    server.enqueue(json(200, sandboxJson("sbx_1", "stopping", 1)));
    server.enqueue(json(200, sandboxJson("sbx_1", "starting", 2)));
    Sandbox sbx = warren.sandboxes().attach("sbx_1");
    assertThat(sbx.refresh().state()).isEqualTo(SandboxState.STOPPING);
    assertThat(sbx.refresh().state()).isEqualTo(SandboxState.STARTING);
  }

  @Test
  void idleTimeoutOfZeroMeansNone() {
    String never = sandboxJson("sbx_1", "running", 1).replace("\"idleTimeoutSeconds\":1800", "\"idleTimeoutSeconds\":0");
    server.enqueue(json(200, never));
    assertThat(warren.sandboxes().attach("sbx_1").refresh().idleTimeout()).isEmpty();
  }

  @Test
  void unknownStatesMapToUnknown() {
    server.enqueue(json(200, sandboxJson("sbx_1", "hibernating", 1)));
    assertThat(warren.sandboxes().attach("sbx_1").refresh().state()).isEqualTo(SandboxState.UNKNOWN);
  }

  @Test
  void aClosedClientRefusesCallsAndClosesIdempotently() {
    warren.close();
    warren.close();
    assertThatThrownBy(() -> warren.sandboxes().list()).isInstanceOf(IllegalStateException.class)
        .hasMessage("this Warren client is closed");
  }
}
