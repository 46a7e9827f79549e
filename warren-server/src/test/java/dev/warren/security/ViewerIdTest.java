package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.stream.WsClient;
import dev.warren.testing.TestWarren;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A viewer id belongs to the token its viewer connected with. The {@code hello} and
 * {@code control} messages announce the holder's id to every viewer; a view-only viewer (or anyone
 * with another token) who connects with that id gets an id of its own instead of replacing, and so
 * disconnecting, the controlling viewer. A reconnect with the same token still replaces the older
 * connection of that id.
 */
class ViewerIdTest {

  @Test
  void aViewOnlyViewerCannotTakeOverTheControllingViewersIdAndDisconnectIt() throws Exception {
    TestWarren.ensureImage("browser");
    try (TestWarren warren = TestWarren.start()) {
      var made = warren.post("/v1/browsers", "{}");
      assertThat(made.status()).as(made.toString()).isEqualTo(201);
      String brw = made.json().path("id").asString();
      String control = mint(warren, brw, true);
      String view = mint(warren, brw, false);

      try (WsClient boss = WsClient.open(live(warren, brw, "boss", control), true)) {
        JsonNode hello = boss.await("hello", Duration.ofSeconds(30));
        assertThat(hello.path("viewer").asString()).isEqualTo("boss");
        boss.send("{\"type\": \"take-control\"}");
        boss.await(m -> m.path("type").asString().equals("control") && m.path("holder").asString("").equals("boss"),
            Duration.ofSeconds(10), "control taken");

        // the holder's id is public to every viewer; a view-only one asks for it, then an API-token one
        for (String token : new String[] {view, warren.token()}) {
          try (WsClient intruder = WsClient.open(live(warren, brw, "boss", token), true)) {
            JsonNode theirs = intruder.await("hello", Duration.ofSeconds(30));
            assertThat(theirs.path("holder").asString()).isEqualTo("boss");
            assertThat(theirs.path("viewer").asString()).as("the id given instead").isNotEqualTo("boss").isNotEmpty();
            assertThat(boss.closed.isDone()).as("the controlling viewer is still connected: %s", boss.closed.getNow(null)).isFalse();
            intruder.send("{\"type\": \"take-control\"}");
            if (token.equals(view)) {
              intruder.await(m -> m.path("type").asString().equals("error") && m.path("code").asString().equals("forbidden"),
                  Duration.ofSeconds(10), "forbidden");
            } else {
              // an API-token viewer may take control, explicitly, and everyone is told
              boss.await(m -> m.path("type").asString().equals("control") && m.path("previous").asString("").equals("boss"),
                  Duration.ofSeconds(10), "control moved");
              boss.send("{\"type\": \"take-control\"}");
              boss.await(m -> m.path("type").asString().equals("control") && m.path("holder").asString("").equals("boss"),
                  Duration.ofSeconds(10), "control back");
            }
          }
        }
        TimeUnit.MILLISECONDS.sleep(500);
        assertThat(boss.closed.isDone()).as("%s", boss.closed.getNow(null)).isFalse();
        JsonNode viewers = warren.get("/v1/browsers/" + brw + "/viewers").json();
        assertThat(viewers.path("holder").asString()).isEqualTo("boss");

        // the same token reconnecting with its id replaces its older connection, as before
        try (WsClient again = WsClient.open(live(warren, brw, "boss", control), true)) {
          assertThat(again.await("hello", Duration.ofSeconds(30)).path("viewer").asString()).isEqualTo("boss");
          assertThat(boss.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(4009);
        }
      }
      // nothing else harmed
      assertThat(warren.get("/v1/browsers/" + brw).json().path("state").asString()).isEqualTo("ready");
      assertThat(warren.delete("/v1/browsers/" + brw).status()).isEqualTo(204);
    }
  }

  private static String mint(TestWarren warren, String brw, boolean control) {
    var r = warren.post("/v1/browsers/" + brw + "/live-view-url", "{\"control\": " + control + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return URI.create(r.json().path("url").asString()).getQuery().replace("token=", "");
  }

  private static URI live(TestWarren warren, String brw, String viewer, String token) {
    return URI.create("ws://" + warren.base().getAuthority() + "/v1/browsers/" + brw + "/live?viewer=" + viewer + "&token=" + token);
  }
}
