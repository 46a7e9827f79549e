package dev.warren.computer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Computer use on a desktop sandbox (real crun, real Xvfb and x11vnc): a small Tk app (wish is in
 * the browser image) with a button that turns the window red and an entry that writes what it holds
 * to a file; clicks, typing and keys sent through {@code /desktop/actions} change what the next
 * screenshot shows and what the app wrote.
 */
class DesktopComputerTest {
  static TestWarren warren;

  /** 400x300 at the top left (no window manager: no decorations); button at 50,50 200x100; entry at 50,200 300x60. */
  static final String APP = """
      wm geometry . 400x300+0+0
      . configure -background white
      button .b -text Press -background blue -activebackground blue -command {
        . configure -background red
        set f [open /tmp/app.out a]; puts $f clicked; close $f
      }
      place .b -x 50 -y 50 -width 200 -height 100
      entry .e -textvariable typed -font {Helvetica 20}
      place .e -x 50 -y 200 -width 300 -height 60
      trace add variable typed write {apply {args {global typed; set f [open /tmp/typed.out w]; puts -nonewline $f $typed; close $f}}}
      """;

  String id;

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

  @BeforeEach
  void desktopWithTheApp() {
    id = warren.createSandbox("{\"image\": \"browser\", \"desktop\": {\"width\": 800, \"height\": 600}}");
    assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/tmp/app.tcl", APP.getBytes(StandardCharsets.UTF_8)).status()).isLessThan(300);
    JsonNode r = warren.exec(id, "DISPLAY=:99 setsid -f wish /tmp/app.tcl >/tmp/wish.log 2>&1");
    assertThat(r.path("exitCode").asInt()).as(r.toString()).isZero();
    awaitScreen("the app's white window at the top left", i -> rgb(i, 10, 10) == 0xffffff);
  }

  @AfterEach
  void deleteIt() {
    if (id != null) {
      assertThat(warren.delete("/v1/sandboxes/" + id).status()).isEqualTo(204);
    }
  }

  TestWarren.Resp act(String json) {
    return warren.post("/v1/sandboxes/" + id + "/desktop/actions", json);
  }

  static BufferedImage png(byte[] bytes) {
    try {
      BufferedImage i = ImageIO.read(new ByteArrayInputStream(bytes));
      assertThat(i).as("a PNG").isNotNull();
      return i;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static BufferedImage screenshotIn(JsonNode answer, int index) {
    JsonNode r = answer.path("results").get(index);
    assertThat(r.path("action").asString()).isEqualTo("screenshot");
    assertThat(r.path("mediaType").asString()).isEqualTo("image/png");
    return png(Base64.getDecoder().decode(r.path("data").asString()));
  }

  static int rgb(BufferedImage i, int x, int y) {
    return i.getRGB(x, y) & 0xffffff;
  }

  /** Screenshots until one shows what is wanted: the app repaints after the input reaches it (bounded, 10 s). */
  BufferedImage awaitScreen(String what, Predicate<BufferedImage> wanted) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    BufferedImage last;
    do {
      TestWarren.Resp r = act("{\"action\": \"screenshot\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      last = screenshotIn(r.json(), 0);
      if (wanted.test(last)) {
        return last;
      }
      sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the screen never showed " + what + " within 10 s; pixel at 10,10 is " + Integer.toHexString(rgb(last, 10, 10)));
  }

  String file(String path) {
    return warren.exec(id, "cat " + path + " 2>/dev/null").path("stdout").asString();
  }

  String awaitFile(String path, String wanted) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    String now;
    do {
      now = file(path);
      if (now.equals(wanted)) {
        return now;
      }
      sleep(100);
    } while (System.nanoTime() < deadline);
    return now;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aClickOnTheAppsButtonChangesTheNextScreenshot() {
    TestWarren.Resp before = act("{\"action\": \"screenshot\"}");
    BufferedImage shot = screenshotIn(before.json(), 0);
    assertThat(shot.getWidth()).isEqualTo(800);
    assertThat(shot.getHeight()).isEqualTo(600);
    assertThat(before.json().path("display").path("width").asInt()).isEqualTo(800);
    assertThat(rgb(shot, 10, 10)).isEqualTo(0xffffff);

    TestWarren.Resp click = act("{\"actions\": [{\"action\": \"click\", \"x\": 150, \"y\": 100}]}");
    assertThat(click.status()).as(click.toString()).isEqualTo(200);
    assertThat(click.json().path("results").get(0).path("action").asString()).isEqualTo("click");
    awaitScreen("the window turned red by the click", i -> rgb(i, 10, 10) == 0xff0000);
    assertThat(awaitFile("/tmp/app.out", "clicked\n")).isEqualTo("clicked\n");
  }

  @Test
  void typingAndKeysReachTheFocusedEntryInTheCallersScaledSpace() {
    // the caller sees the screen at half size: the entry's centre (200, 230) is (100, 115) to it
    TestWarren.Resp r = act("""
        {"screen": {"width": 400, "height": 300}, "actions": [
          {"action": "click", "x": 100, "y": 115},
          {"action": "type", "text": "Hi there!"},
          {"action": "key", "keys": "BackSpace"},
          {"action": "mouse_move", "coordinate": [30, 40]},
          {"action": "cursor_position"},
          {"action": "screenshot"}]}""");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().path("screen").path("width").asInt()).isEqualTo(400);
    JsonNode pos = r.json().path("results").get(4);
    assertThat(pos.path("x").asInt()).isEqualTo(30);
    assertThat(pos.path("y").asInt()).isEqualTo(40);
    BufferedImage scaled = screenshotIn(r.json(), 5);
    assertThat(scaled.getWidth()).isEqualTo(400);
    assertThat(scaled.getHeight()).isEqualTo(300);
    assertThat(awaitFile("/tmp/typed.out", "Hi there")).isEqualTo("Hi there");

    TestWarren.Resp chord = act("{\"action\": \"key\", \"keys\": \"ctrl+a ctrl+k\"}");
    assertThat(chord.status()).as(chord.toString()).isEqualTo(200);
    // Tk's entry: ctrl+a to the line's start, ctrl+k deletes to its end
    assertThat(awaitFile("/tmp/typed.out", "")).isEqualTo("");
  }

  @Test
  void aScreenshotAloneCanBeAskedForAsPng() {
    TestWarren.Resp r = warren.send("POST", "/v1/sandboxes/" + id + "/desktop/actions", HttpRequest.BodyPublishers.ofString(
        "{\"action\": \"screenshot\", \"screen\": {\"width\": 640, \"height\": 480}}"), Map.of("Accept", "image/png"), warren.token());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("image/png"));
    BufferedImage i = png(r.body());
    assertThat(i.getWidth()).isEqualTo(640);
    assertThat(i.getHeight()).isEqualTo(480);
    TestWarren.Resp notLast = warren.send("POST", "/v1/sandboxes/" + id + "/desktop/actions", HttpRequest.BodyPublishers.ofString(
        "{\"action\": \"wait\", \"ms\": 1}"), Map.of("Accept", "image/png"), warren.token());
    assertThat(notLast.status()).isEqualTo(400);
    assertThat(notLast.json().path("field").asString()).isEqualTo("Accept");
  }

  @Test
  void badFieldsAreRefusedNamingTheFieldBeforeAnythingRuns() {
    Map<String, String> cases = Map.of(
        "{\"actions\": [{\"action\": \"screenshot\"}, {\"action\": \"wait\", \"ms\": 1}, {\"action\": \"click\", \"x\": 800, \"y\": 10}]}",
        "actions[2].x",
        "{\"actions\": [{\"action\": \"click\", \"x\": 150, \"y\": 100}, {\"action\": \"fly\"}]}", "actions[1].action",
        "{\"action\": \"type\"}", "text",
        "{\"actions\": [{\"action\": \"wait\", \"ms\": 600000}]}", "actions[0].ms",
        "{\"actions\": [{\"action\": \"key\", \"keys\": \"ctrl+nosuchkey\"}]}", "actions[0].keys",
        "{\"actions\": [{\"action\": \"click\", \"x\": 1, \"y\": 1, \"button\": \"thumb\"}]}", "actions[0].button",
        "{\"actions\": [{\"action\": \"drag\", \"path\": [{\"x\": 1, \"y\": 1}, {\"x\": 2}]}]}", "actions[0].path[1].y",
        "{\"actions\": [{\"action\": \"scroll\", \"x\": 1, \"y\": 1, \"dz\": 3}]}", "actions[0].dz",
        "{\"actions\": [{\"action\": \"click\", \"x\": 1, \"y\": 1, \"count\": 4}]}", "actions[0].count");
    cases.forEach((body, field) -> {
      TestWarren.Resp r = act(body);
      assertThat(r.status()).as("%s -> %s", body, r).isEqualTo(400);
      assertThat(r.json().path("field").asString()).as(body).isEqualTo(field);
    });
    // the click of the first case never ran: the window is still white
    assertThat(file("/tmp/app.out")).isEmpty();
    assertThat(rgb(screenshotIn(act("{\"action\": \"screenshot\"}").json(), 0), 10, 10)).isEqualTo(0xffffff);
  }

  @Test
  void aSandboxWithoutADesktopIsAConflict() {
    String plain = warren.createSandbox("{}");
    try {
      TestWarren.Resp r = warren.post("/v1/sandboxes/" + plain + "/desktop/actions", "{\"action\": \"screenshot\"}");
      assertThat(r.status()).isEqualTo(409);
      assertThat(r.json().path("detail").asString()).contains("has no desktop");
    } finally {
      warren.delete("/v1/sandboxes/" + plain);
    }
  }
}
