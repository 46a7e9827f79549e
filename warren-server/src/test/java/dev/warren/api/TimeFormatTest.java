package dev.warren.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every answer writes its times one way (RFC 3339, UTC, milliseconds): a create's answer reads like every later GET. */
class TimeFormatTest {
  static final String FORMAT = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
  static TestWarren warren;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    warren.close();
  }

  @Test
  void aCreatesAnswerHasTheSameTimesAsTheGetsAfterIt() {
    JsonNode created = warren.post("/v1/sandboxes", "{}").json();
    String id = created.path("id").asString();
    try {
      assertSameTimes(created, warren.get("/v1/sandboxes/" + id).json(), List.of("createdAt", "startedAt", "lastActivityAt"));
      JsonNode session = warren.post("/v1/sandboxes/" + id + "/sessions", "{}").json();
      String sessions = "/v1/sandboxes/" + id + "/sessions/" + session.path("id").asString();
      assertSameTimes(session, warren.get(sessions).json(), List.of("createdAt"));
      JsonNode job = warren.post(sessions + "/commands", "{\"command\": \"true\"}").json();
      assertSameTimes(job, warren.get(sessions + "/commands/" + job.path("id").asString()).json(), List.of("submittedAt", "startedAt", "endedAt"));
    } finally {
      warren.delete("/v1/sandboxes/" + id);
    }
  }

  private static void assertSameTimes(JsonNode posted, JsonNode got, List<String> fields) {
    for (String f : fields) {
      assertThat(posted.path(f).asString()).as("%s in the create's answer", f).matches(FORMAT).isEqualTo(got.path(f).asString());
    }
  }
}
