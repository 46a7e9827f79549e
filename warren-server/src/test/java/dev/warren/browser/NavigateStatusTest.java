package dev.warren.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import dev.warren.testing.TestWarren.Resp;
import dev.warren.testing.WarrenFixture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The navigate action says what the page answered ({@code status}) and fails, saying so, when
 * Warren's egress proxy refused the page instead of the site answering it: an agent must not
 * take the proxy's refusal for the site.
 */
class NavigateStatusTest {
  @RegisterExtension
  static final WarrenFixture warren = WarrenFixture.withBrowserImage();
  static TestSite site;

  @BeforeAll
  static void start() throws Exception {
    site = new TestSite();
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  @Test
  void navigateReportsTheStatusAndFailsOnTheProxysRefusal() {
    Resp created = warren.server().post("/v1/browsers", TestWarren.json(Map.of("egress", Map.of("allow", List.of(site.allow())))));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.json().path("id").asString();
    try {
      String a = "/v1/browsers/" + id + "/actions/";
      Resp ok = warren.server().post(a + "navigate", TestWarren.json(Map.of("url", site.url("/"))));
      assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
      assertThat(ok.json().path("status").asInt()).isEqualTo(200);
      Resp refused = warren.server().post(a + "navigate", TestWarren.json(Map.of("url", "http://not-allowed.example.test/")));
      assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
      assertThat(refused.json().path("detail").asString()).contains("egress proxy refused").contains("403").contains("not-allowed.example.test");
    } finally {
      warren.server().delete("/v1/browsers/" + id);
    }
  }
}
