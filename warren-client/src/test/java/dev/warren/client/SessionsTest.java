package dev.warren.client;

import static dev.warren.client.FakeServer.empty;
import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sessions against a scripted server: what goes on the wire, what comes back, what is checked first. */
class SessionsTest {

  private static final String S = "/v1/sandboxes/sbx_1/sessions";

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();
  private final Sessions sessions = warren.sandboxes().attach("sbx_1").sessions();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  static String sessionJson(String state) {
    return """
        {"id":"ses_1","sandboxId":"sbx_1","generation":2,"state":"%s","stateReason":null,"pid":42,
         "env":{"A":"1"},"cwd":"/workspace","createdAt":"2026-11-22T10:15:30Z","endedAt":null}
        """.formatted(state);
  }

  @Test
  void createSendsTheSpecAndAnswersAnOwningHandleThatDeletesOnceOnClose() {
    server.enqueue(json(201, sessionJson("ready")), empty(204));

    Session sh = sessions.create(SessionSpec.builder().env("A", "1").cwd("/workspace").build());
    sh.close();
    sh.close();

    assertThat(sh.id()).isEqualTo("ses_1");
    assertThat(server.requests()).extracting(r -> r.method() + " " + r.path())
        .containsExactly("POST " + S, "DELETE " + S + "/ses_1");
    assertThat(server.requests().getFirst().bodyText()).isEqualTo("{\"env\":{\"A\":\"1\"},\"cwd\":\"/workspace\"}");
    assertThatThrownBy(sh::info).isInstanceOf(IllegalStateException.class).hasMessage("session handle ses_1 is closed");
  }

  @Test
  void infoReadsEveryFieldOfTheSessionBody() {
    server.enqueue(json(200, sessionJson("ready")));

    SessionInfo info = sessions.attach("ses_1").info();

    assertThat(info).isEqualTo(new SessionInfo("ses_1", "sbx_1", 2, SessionState.READY, java.util.Optional.empty(),
        java.util.OptionalLong.of(42), Map.of("A", "1"), java.util.Optional.of("/workspace"),
        Instant.parse("2026-11-22T10:15:30Z"), java.util.Optional.empty()));
  }

  @Test
  void creatingASessionAndSubmittingACommandAreNotRetriedOnceSent() {
    server.otherwise(r -> problem(503, "runtime-unavailable", "busy"));

    assertThatThrownBy(sessions::create).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> sessions.attach("ses_1").run("make")).isInstanceOf(UnavailableException.class);
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void setEnvExportsAndUnsetEnvSendsNulls() {
    server.otherwise(r -> json(200, sessionJson("ready")));
    Session sh = sessions.attach("ses_1");

    sh.setEnv(Map.of("K", "it's \"q\"\n$HOME"));
    sh.unsetEnv("K", "L");

    assertThat(server.requests()).extracting(FakeServer.Recorded::bodyText).containsExactly(
        "{\"vars\":{\"K\":\"it's \\\"q\\\"\\n$HOME\"}}", "{\"vars\":{\"K\":null,\"L\":null}}");
    assertThat(server.requests()).allSatisfy(r -> assertThat(r.method()).isEqualTo("PUT"));
    assertThatThrownBy(() -> sh.unsetEnv()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorsAreTypedWithTheServersStateAndField() {
    var ended = new FakeServer.Answer(409, Map.of("Content-Type", "application/problem+json"), Json.writeBytes(Map.of(
        "type", "https://warren.dev/problems/conflict", "title", "Conflict", "status", 409,
        "detail", "session ses_1 has ended (its sandbox stopped (generation 1)); create a new one", "state", "ended")));
    server.enqueue(ended, json(400, "{}"), problem(404, "not-found", "no session ses_2 in sandbox sbx_1"));
    server.enqueue(new FakeServer.Answer(400, Map.of("Content-Type", "application/problem+json"), Json.writeBytes(Map.of(
        "type", "https://warren.dev/problems/invalid-input", "title", "Invalid input", "status", 400,
        "detail", "environment names are letters", "field", "env.WARREN_X"))));

    ConflictException conflict = catchThrowableOfType(ConflictException.class, () -> sessions.attach("ses_1").run("ls"));
    assertThat(conflict.state()).contains("ended");
    assertThat(conflict).hasMessageContaining("POST " + S + "/ses_1/commands failed with 409 conflict: session ses_1 has ended");
    assertThatThrownBy(() -> sessions.attach("ses_1").run("ls")).isInstanceOf(InvalidInputException.class);
    assertThat(sessions.get("ses_2")).isEmpty();
    InvalidInputException bad = catchThrowableOfType(InvalidInputException.class,
        () -> sessions.create(SessionSpec.builder().env("WARREN_X", "y").build()));
    assertThat(bad.field()).contains("env.WARREN_X");
  }

  @Test
  void requestsAreCheckedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> CommandRequest.of(" ")).hasMessage("command must not be blank");
    assertThatThrownBy(() -> CommandRequest.of("x").waitFor(Duration.ofSeconds(-1))).hasMessageContaining("waitFor");
    assertThatThrownBy(() -> CommandRequest.of("x").waitFor(Duration.ofSeconds(1)).async(true))
        .hasMessage("give async or waitFor, not both");
    assertThatThrownBy(() -> CommandRequest.of("x").timeout(Duration.ZERO)).hasMessageContaining("timeout");
    assertThatThrownBy(() -> SessionSpec.builder().cwd("relative").build()).hasMessageContaining("absolute");
    assertThatThrownBy(() -> sessions.attach("../x")).hasMessageContaining("session id");
    byte[] input = {1, 2};
    CommandRequest r = CommandRequest.of("x").stdin(input);
    input[0] = 9;
    assertThat(r.stdin()).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2));
    assertThat(r).isEqualTo(CommandRequest.of("x").stdin(new byte[] {1, 2})).hasToString(
        "CommandRequest[command=x, async=false, waitFor=Optional.empty, timeout=Optional.empty, stdin=2 bytes, "
            + "keepStdinOpen=false]");
    assertThat(server.requests()).isEmpty();
  }
}
