package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warren.testing.TestWarren;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java SDK's computer use against a real desktop sandbox and a real browser page. */
class SdkComputerTest {
  static TestWarren server;

  @RegisterExtension
  static final ServerLogOnFailure logs = new ServerLogOnFailure(() -> server);

  @Test
  void theSdkDrivesADesktopAndAPageWithTheSameCalls() throws Exception {
    TestWarren.ensureImage("browser");
    server = TestWarren.start();
    try (TestWarren s = server; Warren warren = s.sdk()) {
      String id = s.createSandbox("{\"image\": \"browser\", \"desktop\": {\"width\": 800, \"height\": 600}}");
      try (Sandbox sbx = warren.sandboxes().get(id).orElseThrow()) {
        Computer half = sbx.desktop().scaledTo(400, 300);
        Computer.Screenshot shot = half.screenshot();
        assertThat(shot.width()).isEqualTo(400);
        var image = ImageIO.read(new ByteArrayInputStream(shot.png()));
        assertThat(image.getWidth()).isEqualTo(400);
        assertThat(image.getHeight()).isEqualTo(300);
        half.mouseMove(120, 80);
        assertThat(half.cursorPosition()).isEqualTo(new Computer.Point(120, 80));
        // the centre of the caller's pixel 120 at half size is real pixel 241
        assertThat(sbx.desktop().cursorPosition()).isEqualTo(new Computer.Point(241, 161));
        Computer.Results r = sbx.desktop().perform(List.of(Map.of("action", "key", "keys", "Escape"), Map.of("action", "screenshot")));
        assertThat(r.display()).isEqualTo(new Computer.Point(800, 600));
        assertThat(r.results()).extracting(m -> m.get("action")).containsExactly("key", "screenshot");
        assertThatThrownBy(() -> sbx.desktop().click(900, 10)).isInstanceOf(InvalidInputException.class).hasMessageContaining("x");
      } finally {
        s.delete("/v1/sandboxes/" + id);
      }
      try (Browser b = warren.browsers().create()) {
        b.actions().navigate("data:text/html,<input id=i style='position:absolute;left:0;top:0;width:200px;height:40px'>");
        b.computer().click(100, 20);
        b.computer().type("typed");
        b.computer().key("BackSpace");
        assertThat(b.actions().evaluate("document.getElementById('i').value")).isEqualTo("type");
        assertThat(b.computer().screenshot().png()).isNotEmpty();
      }
    }
  }
}
