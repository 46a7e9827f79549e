package dev.warren.client;

import static dev.warren.client.FakeServer.json;
import static dev.warren.client.FakeServer.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser and profile calls on the wire: bodies, retries by kind of call, answers decoded. */
class BrowsersTest {

  static final String ID = "brw_01jd6x0000000000000000000a";

  private final FakeServer server = new FakeServer();
  private final Warren warren = server.client();

  @AfterEach
  void stop() {
    warren.close();
    server.close();
  }

  static String browserJson(String state) {
    return """
        {"id":"%s","key":"agent-42:run-7","state":"%s","stateReason":null,"sandboxId":"sbx_1","profile":"shop",
         "profileReadOnly":true,"viewport":{"width":800,"height":600},"headless":false,
         "egress":{"allow":["example.com:443"],"upstreamProxy":"http://u:***@proxy:3128","reach":["sbx_01jd6x0000000000000000000b:3000"]},
         "idleTimeoutSeconds":0,"maxLifetimeSeconds":3600,"generation":2,"createdAt":"2026-11-22T10:15:30.123Z",
         "startedAt":"2026-11-22T10:15:31Z","closedAt":null,"lastActivityAt":"2026-11-22T10:16:00Z",
         "cdpUrl":"ws://h:1/v1/browsers/%s/cdp?token=secret","cdpHttpUrl":"http://h:1/v1/browsers/%s",
         "liveViewUrl":"http://h:1/live/browsers/brw_x?token=v","liveControlUrl":"http://h:1/live/browsers/brw_x?token=c","someFutureField":[1]}
        """.formatted(ID, state, ID, ID);
  }

  @Test
  void specArrivesAsTheServerNamesItsFieldsAndTheAnswerDecodes() {
    server.enqueue(json(201, browserJson("ready")));
    var spec = BrowserSpec.builder().key("agent-42:run-7").profileReadOnly("shop").allowEgress("example.com:443")
        .upstreamProxy("http://u:p@proxy:3128").reach("sbx_01jd6x0000000000000000000b:3000").viewport(800, 600).headless(false)
        .idleTimeout(Duration.ZERO).maxLifetime(Duration.ofHours(1)).build();

    try (Browser b = warren.browsers().create(spec)) {
      assertThat(b.reused()).isFalse();
      BrowserInfo info = b.info();
      assertThat(info).isEqualTo(new BrowserInfo(ID, Optional.of("agent-42:run-7"), BrowserState.READY, Optional.empty(),
          Optional.of("sbx_1"), Optional.of("shop"), true, new Viewport(800, 600), false,
          new EgressPolicy(List.of("example.com:443"), Optional.of("http://u:***@proxy:3128"), List.of("sbx_01jd6x0000000000000000000b:3000")),
          Optional.empty(),
          Optional.of(Duration.ofHours(1)), 2, Instant.parse("2026-11-22T10:15:30.123Z"),
          Optional.of(Instant.parse("2026-11-22T10:15:31Z")), Optional.empty(), Instant.parse("2026-11-22T10:16:00Z"),
          Optional.of("ws://h:1/v1/browsers/" + ID + "/cdp?token=secret"), Optional.of("http://h:1/v1/browsers/" + ID),
          Optional.of("http://h:1/live/browsers/brw_x?token=v"), Optional.of("http://h:1/live/browsers/brw_x?token=c")));
      assertThat(info.toString()).contains(ID).doesNotContain("secret");
    }

    var create = server.requests().getFirst();
    assertThat(create.path()).isEqualTo("/v1/browsers");
    assertThat(create.json()).isEqualTo(Json.parse("""
        {"key":"agent-42:run-7","profile":"shop","profileReadOnly":true,
         "egress":{"allow":["example.com:443"],"upstreamProxy":"http://u:p@proxy:3128","reach":["sbx_01jd6x0000000000000000000b:3000"]},
         "viewport":{"width":800,"height":600},"headless":false,"idleTimeoutSeconds":0,"maxLifetimeSeconds":3600}"""));
    assertThat(server.requests().get(1).method() + " " + server.requests().get(1).path()).isEqualTo("DELETE /v1/browsers/" + ID);
  }

  @Test
  void aDefaultSpecSendsAnEmptyObjectAnd200MeansReused() {
    server.enqueue(json(200, browserJson("ready")));
    Browser b = warren.browsers().create();
    assertThat(b.reused()).isTrue();
    assertThat(server.requests().getFirst().bodyText()).isEqualTo("{}");
  }

  @Test
  void everyCreateIsRetriedOnA503WithOneIdempotencyKey() {
    server.enqueue(problem(503, "unavailable", "busy"), problem(503, "unavailable", "busy"), json(200, browserJson("ready")));
    assertThat(warren.browsers().create(BrowserSpec.builder().key("k").build()).id()).isEqualTo(ID);
    assertThat(server.requests()).hasSize(3);

    server.enqueue(problem(503, "unavailable", "Chromium did not answer"), json(201, browserJson("ready")));
    Browser b = warren.browsers().create();
    assertThat(b.reused()).isFalse();
    assertThat(server.requests()).hasSize(5);
    var keys = server.requests().stream().map(r -> r.header("Idempotency-Key")).toList();
    assertThat(keys).doesNotContainNull();
    // one key for the three attempts of the first create, another for the two of the second
    assertThat(keys.subList(0, 3)).containsOnly(keys.getFirst());
    assertThat(keys.subList(3, 5)).containsOnly(keys.get(3)).doesNotContain(keys.getFirst());
  }

  @Test
  void actionsSendTheirMembersAndTimeoutsRoundedUpToWholeSeconds() {
    server.otherwise(r -> switch (r.path().substring(r.path().lastIndexOf('/') + 1)) {
      case "navigate" -> json(200, "{\"url\":\"https://example.com/\",\"title\":\"Example\"}");
      case "waitFor" -> json(200, "{\"found\":false}");
      case "evaluate" -> json(200, "{\"value\":[1,2.5,\"x\",null]}");
      case "content" -> json(200, "{\"format\":\"html\",\"content\":\"<html></html>\"}");
      case "screenshot" -> new FakeServer.Answer(200, Map.of("Content-Type", "image/png"), new byte[] {(byte) 0x89, 'P'});
      default -> json(200, "{}");
    });
    BrowserActions page = warren.browsers().attach(ID).actions();

    assertThat(page.navigate("https://example.com")).isEqualTo(new Navigation("https://example.com/", "Example"));
    assertThat(page.waitFor("#x", Duration.ofMillis(1500))).isFalse();
    assertThat(page.evaluate("f()")).isEqualTo(Arrays.asList(1L, new BigDecimal("2.5"), "x", null));
    assertThat(page.html()).isEqualTo("<html></html>");
    assertThat(page.screenshot(true)).containsExactly(0x89, 'P');
    page.typeIntoFocused("hi");

    var bodies = server.requests().stream().map(r -> r.path().substring(r.path().lastIndexOf('/') + 1) + " " + r.bodyText()).toList();
    assertThat(bodies).containsExactly(
        "navigate {\"url\":\"https://example.com\",\"waitUntil\":\"load\",\"timeoutSeconds\":30}",
        "waitFor {\"selector\":\"#x\",\"timeoutSeconds\":2}",
        "evaluate {\"expression\":\"f()\",\"timeoutSeconds\":30}",
        "content {\"format\":\"html\",\"timeoutSeconds\":30}",
        "screenshot {\"fullPage\":true,\"timeoutSeconds\":30}",
        "type {\"text\":\"hi\",\"timeoutSeconds\":30}");
    assertThat(server.requests()).allSatisfy(r -> assertThat(r.path()).startsWith("/v1/browsers/" + ID + "/actions/"));
  }

  @Test
  void clickIsNotRepeatedAfterA503SinceItCouldClickTwice() {
    server.enqueue(problem(503, "unavailable", "busy"), json(200, "{\"clicked\":true}"));
    assertThatThrownBy(() -> warren.browsers().attach(ID).actions().click("#go")).isInstanceOf(UnavailableException.class);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void profileExportToAFileReplacesItOnlyWhenWholeAndRetriesA503(@TempDir Path dir) throws IOException {
    byte[] tar = "a tar archive".getBytes(StandardCharsets.UTF_8);
    server.enqueue(problem(503, "unavailable", "busy"),
        new FakeServer.Answer(200, Map.of("Content-Type", "application/x-tar"), tar),
        problem(404, "not-found", "no profile gone"));
    Path file = dir.resolve("shop.tar");
    Files.writeString(file, "old");

    assertThat(warren.profiles().export("shop", file)).isEqualTo(tar.length);
    assertThat(file).hasBinaryContent(tar);
    assertThatThrownBy(() -> warren.profiles().export("gone", file)).isInstanceOf(NotFoundException.class);
    assertThat(file).as("a failed export leaves the file alone").hasBinaryContent(tar);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
    assertThat(server.requests()).extracting(FakeServer.Recorded::path)
        .containsExactly("/v1/profiles/shop/export", "/v1/profiles/shop/export", "/v1/profiles/gone/export");
    assertThatThrownBy(() -> warren.profiles().get("../sandboxes")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("profile name");
  }
}
