package dev.warren.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Helpers for session tests through the HTTP API. */
final class ShellFixture {
  final TestWarren warren;
  final String sandbox;

  ShellFixture(TestWarren warren, String sandbox) {
    this.warren = warren;
    this.sandbox = sandbox;
  }

  String base(String session) {
    return "/v1/sandboxes/" + sandbox + "/sessions/" + session;
  }

  String session() {
    return session(Map.of());
  }

  String session(Map<String, Object> body) {
    Resp r = warren.post("/v1/sandboxes/" + sandbox + "/sessions", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().path("state").asString()).isEqualTo("ready");
    return r.json().path("id").asString();
  }

  /** Runs a command synchronously and returns the finished job. */
  JsonNode run(String session, String command) {
    return run(session, Map.of("command", command));
  }

  JsonNode run(String session, Map<String, Object> body) {
    Resp r = warren.post(base(session) + "/commands", TestWarren.json(body));
    assertThat(r.status()).as(r.toString()).isIn(200, 202);
    return r.json();
  }

  String out(String session, String command) {
    JsonNode j = run(session, command);
    assertThat(j.path("state").asString()).as(j.toString()).isEqualTo("finished");
    return j.path("stdout").asString();
  }

  JsonNode submitAsync(String session, String command) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("command", command);
    body.put("async", true);
    return run(session, body);
  }

  JsonNode await(String session, String command, int seconds) {
    Resp r = warren.get(base(session) + "/commands/" + command + "?wait=" + seconds);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }
}
