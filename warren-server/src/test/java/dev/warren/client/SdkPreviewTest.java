package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.testing.TestWarren;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's preview URLs against a real sandbox serving HTTP: mint, open, list, revoke. */
class SdkPreviewTest {
  static TestWarren server;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @Test
  void aMintedUrlOpensThePortUntilTheSdkRevokesIt() throws Exception {
    server = TestWarren.start();
    try (TestWarren s = server; Warren warren = s.sdk(); Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().build())) {
      sbx.exec("mkdir -p /tmp/site && echo previewed > /tmp/site/index.html && cd /tmp/site && "
          + "(nohup python3 -m http.server 8000 >/dev/null 2>&1 &) && echo started");
      PreviewUrl url = sbx.mintPreviewUrl(8000, PreviewUrl.Access.PUBLIC, Duration.ofMinutes(5));
      assertThat(url.port()).isEqualTo(8000);
      assertThat(url.sandboxId()).isEqualTo(sbx.id());
      assertThat(url.expiresAt()).isAfter(url.createdAt());
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest page = HttpRequest.newBuilder(URI.create(url.url().orElseThrow())).timeout(Duration.ofSeconds(30)).build();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      HttpResponse<String> r = http.send(page, HttpResponse.BodyHandlers.ofString());
      while (r.statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(200);
        r = http.send(page, HttpResponse.BodyHandlers.ofString());
      }
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("previewed");
      assertThat(sbx.previewUrls(8000)).extracting(PreviewUrl::id).containsExactly(url.id());
      assertThat(sbx.previewUrls(8000).getFirst().url()).isEmpty();
      assertThat(sbx.revokePreviewUrl(8000, url.id())).isTrue();
      assertThat(http.send(page, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
      assertThat(sbx.revokePreviewUrl(8000, url.id())).isFalse();
      assertThat(sbx.previewUrls(8000)).isEmpty();
      assertThatThrownBy(() -> sbx.previewUrls(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    }
  }
}
