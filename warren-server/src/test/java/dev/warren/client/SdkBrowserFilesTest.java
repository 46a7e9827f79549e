package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.warren.browser.TestSite;
import dev.warren.testing.TestWarren;
import dev.warren.testing.WarrenFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Downloads and uploads through the Java SDK: a page's download listed and fetched, a file input filled. */
class SdkBrowserFilesTest {
  @RegisterExtension
  static final WarrenFixture server = WarrenFixture.withBrowserImage();
  static TestSite site;
  static Warren warren;

  @BeforeAll
  static void start() throws Exception {
    site = new TestSite();
    warren = server.server().sdk();
  }

  @AfterAll
  static void stop() {
    try (var w = warren; var t = site) {
      // the client, then the site
    }
  }

  @Test
  void aDownloadIsListedAndFetchedAndAnUploadReachesThePage() {
    try (Browser b = warren.browsers().create(BrowserSpec.builder().allowEgress(site.allow()).build())) {
      b.actions().navigate(site.url("/downloads"));
      assertThat(b.downloads()).isEmpty();
      b.actions().click("#dl");
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> b.downloads().stream().anyMatch(DownloadInfo::complete));
      DownloadInfo d = b.downloads().getFirst();
      assertThat(d.name()).isEqualTo("report.bin");
      assertThat(d.size()).isEqualTo(TestSite.REPORT.length);
      assertThat(d.url()).contains(site.url("/report.bin"));
      assertThat(b.download("report.bin")).isEqualTo(TestSite.REPORT);
      assertThat(catchThrowableOfType(NotFoundException.class, () -> b.download("missing.bin")).status()).isEqualTo(404);

      b.actions().navigate("data:text/html,<input id=f type=file onchange=\"document.title = this.files[0].name + ':' + this.files[0].size\">");
      byte[] content = "uploaded by the SDK".getBytes(StandardCharsets.UTF_8);
      UploadedFile up = b.actions().upload("#f", "notes.txt", content);
      assertThat(up.name()).isEqualTo("notes.txt");
      assertThat(up.size()).isEqualTo(content.length);
      assertThat(b.actions().evaluate("document.title")).isEqualTo("notes.txt:" + content.length);
      UploadedFile again = b.actions().upload("#f", up.path());
      assertThat(again.size()).isEqualTo(content.length);
      InvalidInputException missing = catchThrowableOfType(InvalidInputException.class, () -> b.actions().upload("#f", "/tmp/none"));
      assertThat(missing.field()).contains("path");
    }
  }
}
