package dev.warren.client;

import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  @Test
  void invalidInputCarriesTheProblemAndItsField() {
    server.enqueue(json(400, """
        {"type":"https://warren.dev/problems/invalid-input","title":"Invalid input","status":400,
         "detail":"limits.memoryMb must be between 16 and 262144, got 8","field":"limits.memoryMb",
         "instance":"/v1/sandboxes"}"""));

    assertThatThrownBy(() -> warren.sandboxes().create(SandboxSpec.builder().memoryMb(8).build()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.field()).contains("limits.memoryMb");
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.method()).isEqualTo("POST");
          assertThat(e.path()).isEqualTo("/v1/sandboxes");
          assertThat(e.detail()).contains("limits.memoryMb must be between 16 and 262144, got 8");
          var problem = e.problem().orElseThrow();
          assertThat(problem.type()).isEqualTo("https://warren.dev/problems/invalid-input");
          assertThat(problem.typeName()).isEqualTo("invalid-input");
          assertThat(problem.title()).isEqualTo("Invalid input");
          assertThat(problem.instance()).contains("/v1/sandboxes");
        })
        .hasMessage("POST /v1/sandboxes failed with 400 invalid-input: "
            + "limits.memoryMb must be between 16 and 262144, got 8 (field limits.memoryMb)");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void unknownSandboxIsNotFoundAndGetAnswersEmpty() {
    server.otherwise(r -> problem(404, "not-found", "no sandbox sbx_gone"));

    assertThat(warren.sandboxes().get("sbx_gone")).isEmpty();
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_gone").refresh())
        .isInstanceOf(NotFoundException.class)
        .hasMessage("GET /v1/sandboxes/sbx_gone failed with 404 not-found: no sandbox sbx_gone");
    assertThat(warren.sandboxes().delete("sbx_gone")).isFalse();
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void authFailuresAreUnauthorized() {
    server.enqueue(problem(401, "unauthorized", "wrong token"), problem(403, "forbidden", "not for this target"));
    assertThatThrownBy(() -> warren.sandboxes().list()).isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("401 unauthorized: wrong token");
    assertThatThrownBy(() -> warren.sandboxes().list()).isInstanceOf(UnauthorizedException.class)
        .hasMessageContaining("403 forbidden");
  }

  @Test
  void conflictTellsTheStateTheServerSaw() {
    server.enqueue(new FakeServer.Answer(409, Map.of("Content-Type", "application/problem+json"), Json.writeBytes(
        Map.of("type", "https://warren.dev/problems/conflict", "title", "Conflict", "status", 409,
            "detail", "sandbox sbx_1 is stopped, expected running", "state", "stopped"))));

    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").exec("true"))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.state()).contains("stopped");
          assertThat(e.problem().orElseThrow().extensions()).containsEntry("state", "stopped");
        })
        .hasMessageContaining("409 conflict: sandbox sbx_1 is stopped, expected running");
  }

  @Test
  void otherStatusesArePlainWarrenExceptions() {
    server.enqueue(problem(422, "image-not-built", "run `warren image build browser`"));
    assertThatThrownBy(() -> warren.sandboxes().create())
        .isExactlyInstanceOf(WarrenException.class)
        .hasMessage("POST /v1/sandboxes failed with 422 image-not-built: run `warren image build browser`");
  }

  @Test
  void aNonProblemAnswerStillDiagnoses() {
    server.otherwise(r -> new FakeServer.Answer(502, Map.of("Content-Type", "text/html"),
        "<html>upstream down</html>\n<body/>".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> warren.sandboxes().list())
        .isInstanceOfSatisfying(UnavailableException.class, e -> assertThat(e.status()).isEqualTo(502))
        .hasMessage("GET /v1/sandboxes failed with 502 Bad Gateway: <html>upstream down</html> after 5 attempts");
  }

  @Test
  void anUnreadableSuccessBodyNamesWhatWasWrong() {
    server.enqueue(json(200, "{\"id\":\"sbx_1\",\"state\":\"running\"}"), json(200, "{not json"));
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").refresh())
        .isExactlyInstanceOf(WarrenException.class)
        .hasMessage("GET /v1/sandboxes/sbx_1 answered 200 with a body this SDK cannot read: sandbox.image is missing");
    assertThatThrownBy(() -> warren.sandboxes().attach("sbx_1").refresh())
        .hasMessageContaining("expected a string key at offset 1");
  }

  @Test
  void badIdsAreRejectedBeforeAnyCall() {
    assertThatThrownBy(() -> warren.sandboxes().get("../etc")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sandbox id must be letters, digits, '_' or '-', got '../etc'");
    assertThatThrownBy(() -> warren.sandboxes().attach(null)).isInstanceOf(NullPointerException.class);
    assertThat(server.requests()).isEmpty();
  }
}
