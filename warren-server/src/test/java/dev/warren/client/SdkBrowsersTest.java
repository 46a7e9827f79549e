package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.warren.browser.TestSite;
import dev.warren.testing.HostState;
import dev.warren.testing.TestWarren;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Browser sessions through SDK handles: keyed reuse, CDP for Playwright, actions, bulk delete, bad input. */
class SdkBrowsersTest {
  static final String UNKNOWN_ID = "brw_00000000000000000000000000";

  static TestWarren server;
  static Warren warren;
  static TestSite site;
  static Playwright playwright;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @BeforeAll
  static void start() throws Exception {
    TestWarren.ensureImage("browser");
    server = TestWarren.start();
    warren = server.sdk();
    site = new TestSite();
    playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
  }

  @AfterAll
  static void stop() {
    try (var s = server; var w = warren; var t = site; var p = playwright) {
      // closed in reverse order: Playwright, the site, the client, the server
    }
  }

  @AfterEach
  void noSessionIsLeftOpen() {
    assertThat(warren.browsers().list()).as("live sessions after the test").isEmpty();
  }

  @Test
  void keyedCreateAnswersTheSameSessionUntilItIsClosed() {
    String key = "agent-42:run-" + UUID.randomUUID();
    String id;
    String sandboxId;
    try (Browser first = warren.browsers().create(BrowserSpec.builder().key(key).idleTimeout(Duration.ofMinutes(5)).build())) {
      id = first.id();
      BrowserInfo info = first.info();
      assertThat(first.reused()).isFalse();
      assertThat(first.deletesOnClose()).isTrue();
      assertThat(info.id()).matches("brw_[0-9a-z]{26}");
      assertThat(info.key()).contains(key);
      assertThat(info.state()).isEqualTo(BrowserState.READY);
      assertThat(info.isReady()).isTrue();
      assertThat(info.stateReason()).isEmpty();
      assertThat(info.sandboxId()).hasValueSatisfying(s -> assertThat(s).matches("sbx_[0-9a-z]{26}"));
      sandboxId = info.sandboxId().orElseThrow();
      assertThat(info.generation()).isEqualTo(1);
      assertThat(info.viewport()).isEqualTo(Viewport.DEFAULT);
      assertThat(info.headless()).isTrue();
      assertThat(info.egress()).isEqualTo(EgressPolicy.DENY_ALL);
      assertThat(info.idleTimeout()).contains(Duration.ofMinutes(5));
      assertThat(info.maxLifetime()).isEmpty();
      assertThat(info.startedAt()).isPresent();
      assertThat(info.closedAt()).isEmpty();
      assertThat(info.cdpUrl()).hasValueSatisfying(u -> assertThat(u).startsWith("ws://").contains("/v1/browsers/" + id + "/cdp?token="));
      assertThat(info.liveViewUrl()).hasValueSatisfying(u -> assertThat(u).contains("/live/browsers/" + id + "?token="));
      assertThat(info.liveControlUrl()).hasValueSatisfying(u -> assertThat(u).contains("/live/browsers/" + id + "?token="))
          .isNotEqualTo(info.liveViewUrl());
      assertThat(info.toString()).doesNotContain("token=");

      try (Browser again = warren.browsers().create(BrowserSpec.builder().key(key).viewport(800, 600).build())) {
        assertThat(again.reused()).isTrue();
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.info().viewport()).as("a reused session keeps its own spec").isEqualTo(Viewport.DEFAULT);
        assertThat(warren.browsers().list()).extracting(Browser::id).containsExactly(id);
        assertThat(warren.browsers().list()).allSatisfy(b -> assertThat(b.deletesOnClose()).isFalse());

        BrowserInfo restarted = again.restart();
        assertThat(restarted.state()).isEqualTo(BrowserState.READY);
        assertThat(restarted.generation()).isEqualTo(2);
        assertThat(first.keepalive().generation()).isEqualTo(2);
      } // the second owner closes the session

      BrowserInfo closed = first.refresh();
      assertThat(closed.state()).isEqualTo(BrowserState.CLOSED);
      assertThat(closed.stateReason()).contains("deleted through the API");
      assertThat(closed.closedAt()).isPresent();
      assertThat(closed.cdpUrl()).isEmpty();
      ConflictException notReady = catchThrowableOfType(ConflictException.class, first::cdpUrl);
      assertThat(notReady.status()).isEqualTo(409);
      assertThat(notReady.state()).contains("closed");

      try (Browser fresh = warren.browsers().create(BrowserSpec.builder().key(key).build())) {
        assertThat(fresh.reused()).isFalse();
        assertThat(fresh.id()).as("a closed session's key is free again").isNotEqualTo(id);
      }
    } // closing a closed session is fine
    assertThat(warren.browsers().get(id)).hasValueSatisfying(b -> assertThat(b.info().state()).isEqualTo(BrowserState.CLOSED));
    assertThat(warren.sandboxes().get(sandboxId)).isEmpty();
    assertThat(HostState.leftoversOf(sandboxId)).isEmpty();
  }

  @Test
  void playwrightDrivesALoopbackPageOverTheCdpUrl() {
    try (Browser b = warren.browsers().create(BrowserSpec.builder().allowEgress(site.allow()).build())) {
      assertThat(b.info().egress().allow()).containsExactly(site.allow());
      BrowserVersion version = b.version();
      assertThat(version.product()).matches("(Headless)?Chrome/\\d+\\..*");
      assertThat(version.protocolVersion()).isNotBlank();
      assertThat(version.webSocketDebuggerUrl()).contains("/v1/browsers/" + b.id() + "/cdp?token=");

      try (com.microsoft.playwright.Browser cdp = playwright.chromium().connectOverCDP(b.cdpUrl(),
          new BrowserType.ConnectOverCDPOptions().setTimeout(30_000))) {
        Page page = cdp.contexts().getFirst().newPage();
        page.navigate(site.url("/"));
        assertThat(page.title()).isEqualTo("Warren test page");
        page.click("#go");
        assertThat(page.textContent("#greeting")).isEqualTo("clicked 2");
      }
    }
  }

  @Test
  void actionsDriveAPageWithoutCdp() {
    try (Browser b = warren.browsers().create(BrowserSpec.builder().allowEgress(site.allow()).build())) {
      BrowserActions page = b.actions();
      Navigation nav = page.navigate(site.url("/"));
      assertThat(nav.title()).isEqualTo("Warren test page");
      assertThat(nav.url()).isEqualTo(site.url("/"));
      assertThat(page.navigate(site.url("/"), BrowserActions.WaitUntil.DOM_CONTENT_LOADED, Duration.ofSeconds(10)).title())
          .isEqualTo("Warren test page");

      assertThat(page.waitFor("#go")).isTrue();
      assertThat(page.waitFor("#missing", Duration.ofSeconds(1))).isFalse();
      page.click("#go");
      page.type("#name", "héllo \"typed\" ✓");
      page.typeIntoFocused("!");

      assertThat(page.evaluate("[document.querySelector('#greeting').textContent, document.querySelector('#name').value]"))
          .isEqualTo(List.of("clicked 2", "héllo \"typed\" ✓!"));
      assertThat(page.evaluate("1 + 1")).isEqualTo(2L);
      assertThat(page.evaluate("1 / 4")).isEqualTo(new BigDecimal("0.25"));
      var object = new java.util.HashMap<String, Object>();
      object.put("a", true);
      object.put("b", null);
      assertThat(page.evaluate("Promise.resolve({a: true, b: null})")).isEqualTo(object);
      assertThat(page.evaluate("void 0")).isNull();
      ConflictException threw = catchThrowableOfType(ConflictException.class, () -> page.evaluate("nope.nope"));
      assertThat(threw.detail()).hasValueSatisfying(d -> assertThat(d).contains("the script threw").contains("nope"));

      assertThat(page.text()).contains("clicked 2");
      assertThat(page.html()).contains("<button id=\"go\"");
      assertThat(page.screenshot()).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
      assertThat(page.screenshot(true)).startsWith(0x89, 'P', 'N', 'G');
      byte[] pdf = page.pdf();
      assertThat(new String(pdf, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("%PDF-");

      InvalidInputException badUrl = catchThrowableOfType(InvalidInputException.class, () -> page.navigate("file:///etc/passwd"));
      assertThat(badUrl.field()).contains("url");
      assertThat(badUrl).hasMessageStartingWith("POST /v1/browsers/" + b.id() + "/actions/navigate failed with 400 invalid-input: ");
      InvalidInputException badTimeout = catchThrowableOfType(InvalidInputException.class,
          () -> page.waitFor("#go", Duration.ofMinutes(11)));
      assertThat(badTimeout.field()).contains("timeoutSeconds");
      assertThatThrownBy(() -> page.click(" ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("selector");
    }
  }

  @Test
  void deleteByKeyPrefixClosesOnlyTheSessionsUnderIt() {
    String run = UUID.randomUUID().toString();
    try (Browser doomed = warren.browsers().create(BrowserSpec.builder().key("run-" + run + ":a").build());
         Browser kept = warren.browsers().create(BrowserSpec.builder().key("keep-" + run + ":a").build())) {
      assertThat(warren.browsers().deleteByKeyPrefix("run-" + run + ":")).isEqualTo(1);

      assertThat(doomed.refresh().state()).isEqualTo(BrowserState.CLOSED);
      assertThat(kept.refresh().state()).isEqualTo(BrowserState.READY);
      assertThat(warren.browsers().list()).extracting(Browser::id).containsExactly(kept.id());
      assertThat(warren.browsers().deleteByKeyPrefix("run-" + run + ":")).isZero();
      assertThatThrownBy(() -> warren.browsers().deleteByKeyPrefix("")).isInstanceOf(IllegalArgumentException.class);

      assertThat(warren.browsers().deleteAll()).isEqualTo(1);
      assertThat(kept.refresh().state()).isEqualTo(BrowserState.CLOSED);
    }
  }

  @Test
  void badInputIsATypedErrorNamingTheField() {
    assertField(BrowserSpec.builder().key("has spaces").build(), "key", "key must be 1-255 letters");
    assertField(BrowserSpec.builder().profile("../etc").build(), "profile", "profile names are 1-128 letters");
    assertField(BrowserSpec.builder().viewport(50, 600).build(), "viewport.width", "between 100 and 7680, got 50");
    assertField(BrowserSpec.builder().idleTimeout(Duration.ofDays(8)).build(), "idleTimeoutSeconds", "604800");
    assertField(BrowserSpec.builder().allowEgress("a b c").build(), "egress.allow", "a b c");

    assertThat(warren.browsers().get(UNKNOWN_ID)).isEmpty();
    NotFoundException unknown = catchThrowableOfType(NotFoundException.class, () -> warren.browsers().attach(UNKNOWN_ID).refresh());
    assertThat(unknown.detail()).contains("no browser session " + UNKNOWN_ID);
    assertThat(warren.browsers().delete(UNKNOWN_ID)).isFalse();
    warren.browsers().attach(UNKNOWN_ID, true).close(); // closing what does not exist is fine
    assertThatThrownBy(() -> warren.browsers().get("../v1/sandboxes")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BrowserSpec.builder().idleTimeout(Duration.ofMillis(1500)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
  }

  private static void assertField(BrowserSpec spec, String field, String detail) {
    InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> warren.browsers().create(spec).close());
    assertThat(e).as("creating %s", spec).isNotNull();
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).contains(field);
    assertThat(e.detail()).hasValueSatisfying(d -> assertThat(d).contains(detail));
    assertThat(e).hasMessageStartingWith("POST /v1/browsers failed with 400 invalid-input: ").hasMessageEndingWith("(field " + field + ")");
  }
}
