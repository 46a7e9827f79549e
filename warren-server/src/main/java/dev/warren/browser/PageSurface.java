package dev.warren.browser;

import dev.warren.computer.ComputerAction.Button;
import dev.warren.computer.Keys;
import dev.warren.computer.Png;
import dev.warren.computer.Scale;
import dev.warren.computer.Surface;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A browser session's page as a computer-use surface, over CDP: {@code Page.captureScreenshot} of
 * the viewport, {@code Input.dispatchMouseEvent}, {@code Input.dispatchKeyEvent} and {@code
 * Input.insertText}. Coordinates are CSS pixels of the viewport. Owned by one request's thread.
 */
final class PageSurface implements Surface {
  /** CSS pixels per wheel click (Chromium's own step on Linux is near this). */
  static final int WHEEL_STEP = 100;

  private final PageSession page;
  private final Duration timeout;
  private final Scale.Size size;
  private int buttons;

  PageSurface(PageSession page, Duration timeout) {
    this.page = page;
    this.timeout = timeout;
    JsonNode vp;
    try {
      // the viewport with its scrollbars (Page.getLayoutMetrics leaves them out; screenshots have them)
      vp = page.call("Runtime.evaluate", CdpClient.params().put("expression", "({w: innerWidth, h: innerHeight})").put("returnByValue", true),
          timeout).path("result").path("value");
    } catch (RuntimeException e) {
      page.close();
      throw e;
    }
    this.size = new Scale.Size(Math.max(1, vp.path("w").asInt()), Math.max(1, vp.path("h").asInt()));
  }

  @Override
  public Scale.Size size() {
    return size;
  }

  @Override
  public BufferedImage capture() {
    String data = page.call("Page.captureScreenshot", CdpClient.params().put("format", "png"), timeout).path("data").asString();
    return Png.decode(Base64.getDecoder().decode(data));
  }

  @Override
  public void move(int x, int y) {
    ObjectNode e = mouse("mouseMoved", x, y).put("buttons", buttons);
    held().ifPresent(b -> e.put("button", b));
    page.call("Input.dispatchMouseEvent", e, timeout);
  }

  /** The button held, for a move that drags (CDP wants it named). */
  private java.util.Optional<String> held() {
    return (buttons & 1) != 0 ? java.util.Optional.of("left") : (buttons & 2) != 0 ? java.util.Optional.of("right")
        : (buttons & 4) != 0 ? java.util.Optional.of("middle") : java.util.Optional.empty();
  }

  @Override
  public void button(int x, int y, Button b, boolean down, int clickCount) {
    // DOM MouseEvent.buttons: 1 left, 2 right, 4 middle
    int bit = switch (b) {
      case LEFT -> 1;
      case RIGHT -> 2;
      case MIDDLE -> 4;
    };
    buttons = down ? buttons | bit : buttons & ~bit;
    page.call("Input.dispatchMouseEvent", mouse(down ? "mousePressed" : "mouseReleased", x, y).put("button", b.wire())
        .put("buttons", buttons).put("clickCount", clickCount), timeout);
  }

  @Override
  public void wheel(int x, int y, int dx, int dy) {
    page.call("Input.dispatchMouseEvent", mouse("mouseWheel", x, y).put("deltaX", dx * WHEEL_STEP).put("deltaY", dy * WHEEL_STEP), timeout);
  }

  private static ObjectNode mouse(String type, int x, int y) {
    return CdpClient.params().put("type", type).put("x", x).put("y", y);
  }

  @Override
  public void key(Keys.Key k, boolean down, int modifiers) {
    String key = k.key();
    String text = k.text();
    if ((modifiers & 8) != 0 && key.length() == 1) {
      key = key.toUpperCase(Locale.ROOT);
      text = text.toUpperCase(Locale.ROOT);
    }
    // with ctrl, alt or meta held a key is a shortcut, not text
    boolean types = !text.isEmpty() && (modifiers & 7) == 0;
    ObjectNode e = CdpClient.params().put("type", down ? (types ? "keyDown" : "rawKeyDown") : "keyUp").put("key", key)
        .put("modifiers", modifiers).put("windowsVirtualKeyCode", k.vk()).put("nativeVirtualKeyCode", k.vk());
    if (!k.code().isEmpty()) {
      e.put("code", k.code());
    }
    if (down && types) {
      e.put("text", text).put("unmodifiedText", text);
    }
    page.call("Input.dispatchKeyEvent", e, timeout);
  }

  @Override
  public void type(String text) {
    page.call("Input.insertText", CdpClient.params().put("text", text), timeout);
  }

  @Override
  public void close() {
    page.close();
  }
}
