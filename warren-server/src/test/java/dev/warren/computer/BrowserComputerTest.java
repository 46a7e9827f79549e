package dev.warren.computer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.awt.image.BufferedImage;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Computer use on a browser session's page (real Chromium), with the same actions as on a desktop;
 * and the agent's actions refused, on the page and on the desktop a headed browser draws on, while
 * a human has the session through a handoff.
 */
class BrowserComputerTest {
  static TestWarren warren;

  /** A button at 50,50 200x100 that turns the page red, an input at 50,200 300x40, and room to scroll. */
  static final String PAGE = "data:text/html,<body style='margin:0;background:%23fff'>"
      + "<button id=b style='position:absolute;left:50px;top:50px;width:200px;height:100px' "
      + "onclick=\"document.body.style.background='%23f00'\">Press</button>"
      + "<input id=i style='position:absolute;left:50px;top:200px;width:300px;height:40px'><div style='height:5000px'></div></body>";

  @BeforeAll
  static void start() {
    TestWarren.ensureImage("browser");
    warren = TestWarren.start();
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  static String browser(String json) {
    TestWarren.Resp r = warren.post("/v1/browsers", json);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().path("id").asString();
  }

  static TestWarren.Resp act(String id, String json) {
    return warren.post("/v1/browsers/" + id + "/actions", json);
  }

  static JsonNode ok(TestWarren.Resp r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static String value(String id, String expression) {
    return warren.post("/v1/browsers/" + id + "/actions/evaluate", TestWarren.json(Map.of("expression", expression))).json().path("value")
        .asString();
  }

  @Test
  void clicksTypingKeysAndScrollingDriveThePageByCoordinates() {
    String id = browser("{\"viewport\": {\"width\": 800, \"height\": 600}}");
    try {
      assertThat(warren.post("/v1/browsers/" + id + "/actions/navigate", TestWarren.json(Map.of("url", PAGE))).status()).isEqualTo(200);
      JsonNode first = ok(act(id, "{\"action\": \"screenshot\"}"));
      BufferedImage before = DesktopComputerTest.screenshotIn(first, 0);
      assertThat(before.getWidth()).isEqualTo(800);
      assertThat(before.getHeight()).isEqualTo(600);
      assertThat(DesktopComputerTest.rgb(before, 10, 10)).isEqualTo(0xffffff);

      JsonNode clicked = ok(act(id, "{\"actions\": [{\"action\": \"click\", \"x\": 150, \"y\": 100}, {\"action\": \"wait\", \"ms\": 100},"
          + " {\"action\": \"screenshot\"}]}"));
      assertThat(DesktopComputerTest.rgb(DesktopComputerTest.screenshotIn(clicked, 2), 10, 10)).isEqualTo(0xff0000);

      // in the caller's half-size space the input's centre (200, 220) is (100, 110)
      JsonNode typed = ok(act(id, """
          {"screen": {"width": 400, "height": 300}, "actions": [
            {"action": "click", "x": 100, "y": 110},
            {"action": "type", "text": "hello"},
            {"action": "key", "keys": "BackSpace shift+a"},
            {"action": "cursor_position"},
            {"action": "screenshot"}]}"""));
      assertThat(typed.path("results").get(3).path("x").asInt()).isEqualTo(100);
      assertThat(typed.path("results").get(3).path("y").asInt()).isEqualTo(110);
      assertThat(DesktopComputerTest.screenshotIn(typed, 4).getWidth()).isEqualTo(400);
      assertThat(value(id, "document.getElementById('i').value")).isEqualTo("hellA");

      ok(act(id, "{\"action\": \"scroll\", \"x\": 400, \"y\": 400, \"dy\": 3}"));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!value(id, "String(scrollY)").equals("300") && System.nanoTime() < deadline) {
        DesktopComputerTest.sleep(50);
      }
      assertThat(value(id, "String(scrollY)")).isEqualTo("300");

      TestWarren.Resp outside = act(id, "{\"actions\": [{\"action\": \"mouse_move\", \"x\": 10, \"y\": 600}]}");
      assertThat(outside.status()).isEqualTo(400);
      assertThat(outside.json().path("field").asString()).isEqualTo("actions[0].y");
    } finally {
      assertThat(warren.delete("/v1/browsers/" + id).status()).isEqualTo(204);
    }
  }

  @Test
  void duringAHandoffTheAgentsActionsAreRefusedNamingIt() {
    String id = browser("{\"headless\": false, \"viewport\": {\"width\": 800, \"height\": 600}}");
    try {
      String sandbox = warren.get("/v1/browsers/" + id).json().path("sandboxId").asString();
      ok(act(id, "{\"action\": \"screenshot\"}"));
      ok(warren.post("/v1/sandboxes/" + sandbox + "/desktop/actions", "{\"action\": \"cursor_position\"}"));

      TestWarren.Resp asked = warren.post("/v1/browsers/" + id + "/handoffs", "{\"reason\": \"solve the captcha\"}");
      assertThat(asked.status()).as(asked.toString()).isEqualTo(201);
      String hid = asked.json().path("id").asString();
      for (TestWarren.Resp r : new TestWarren.Resp[] {act(id, "{\"action\": \"click\", \"x\": 5, \"y\": 5}"),
          warren.post("/v1/sandboxes/" + sandbox + "/desktop/actions", "{\"action\": \"type\", \"text\": \"x\"}")}) {
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.json().path("handoff").asString()).isEqualTo(hid);
        assertThat(r.json().path("detail").asString()).contains(hid).contains("solve the captcha");
      }

      assertThat(warren.post("/v1/browsers/" + id + "/handoffs/" + hid + "/cancel", "{}").status()).isEqualTo(200);
      ok(act(id, "{\"action\": \"click\", \"x\": 5, \"y\": 5}"));
      ok(warren.post("/v1/sandboxes/" + sandbox + "/desktop/actions", "{\"action\": \"screenshot\"}"));
    } finally {
      assertThat(warren.delete("/v1/browsers/" + id).status()).isEqualTo(204);
    }
  }
}
