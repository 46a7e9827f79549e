package dev.warren.stream;

import dev.warren.browser.CdpClient;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps a viewer's input message to the CDP call that replays it on the page:
 * {@code mouse} and {@code wheel} to {@code Input.dispatchMouseEvent}, {@code key} to
 * {@code Input.dispatchKeyEvent}, {@code paste} to {@code Input.insertText}. Coordinates are CSS
 * pixels of the page (what the frames' width and height are in). Rejects what is malformed,
 * naming the field.
 */
final class InputEvents {
  static final int MAX_TEXT = 64 * 1024;
  private static final Map<String, String> MOUSE = Map.of("down", "mousePressed", "up", "mouseReleased", "move", "mouseMoved");
  private static final java.util.Set<String> BUTTONS = java.util.Set.of("none", "left", "middle", "right", "back", "forward");

  /** One CDP call. */
  record Command(String method, ObjectNode params) {}

  /** A message that cannot be replayed; the message says which field and why. */
  static final class BadInput extends RuntimeException {
    BadInput(String message) {
      super(message);
    }
  }

  private InputEvents() {}

  static Command of(JsonNode m) {
    String type = m.path("type").asString();
    return switch (type) {
      case "mouse" -> {
        String event = m.path("event").asString();
        String cdpType = MOUSE.get(event);
        if (cdpType == null) {
          throw new BadInput("mouse.event must be down, up or move, got '" + event + "'");
        }
        String button = m.path("button").asString(event.equals("move") ? "none" : "left");
        if (!BUTTONS.contains(button)) {
          throw new BadInput("mouse.button must be one of " + BUTTONS + ", got '" + button + "'");
        }
        ObjectNode p = point(m, "mouse").put("type", cdpType).put("button", button).put("buttons", range(m, "buttons", 0, 31, 0))
            .put("clickCount", range(m, "clickCount", 0, 3, event.equals("move") ? 0 : 1)).put("modifiers", range(m, "modifiers", 0, 15, 0));
        yield new Command("Input.dispatchMouseEvent", p);
      }
      case "wheel" -> {
        ObjectNode p = point(m, "wheel").put("type", "mouseWheel").put("deltaX", number(m, "deltaX", -100_000, 100_000))
            .put("deltaY", number(m, "deltaY", -100_000, 100_000)).put("modifiers", range(m, "modifiers", 0, 15, 0));
        yield new Command("Input.dispatchMouseEvent", p);
      }
      case "key" -> {
        String event = m.path("event").asString();
        if (!event.equals("down") && !event.equals("up")) {
          throw new BadInput("key.event must be down or up, got '" + event + "'");
        }
        String key = shortString(m, "key", 32);
        String code = shortString(m, "code", 32);
        String text = shortString(m, "text", 8);
        int keyCode = range(m, "keyCode", 0, 255, 0);
        String cdpType = event.equals("up") ? "keyUp" : text.isEmpty() ? "rawKeyDown" : "keyDown";
        ObjectNode p = CdpClient.params().put("type", cdpType).put("key", key).put("code", code).put("windowsVirtualKeyCode", keyCode)
            .put("nativeVirtualKeyCode", keyCode).put("modifiers", range(m, "modifiers", 0, 15, 0)).put("location", range(m, "location", 0, 3, 0));
        if (!text.isEmpty() && event.equals("down")) {
          p.put("text", text).put("unmodifiedText", text);
        }
        yield new Command("Input.dispatchKeyEvent", p);
      }
      case "paste" -> {
        JsonNode t = m.get("text");
        if (t == null || !t.isString() || t.asString().length() > MAX_TEXT) {
          throw new BadInput("paste.text must be a string of at most " + MAX_TEXT + " characters");
        }
        yield new Command("Input.insertText", CdpClient.params().put("text", t.asString()));
      }
      default -> throw new BadInput("unknown message type '" + type + "'");
    };
  }

  private static ObjectNode point(JsonNode m, String type) {
    return CdpClient.params().put("x", number(m, "x", 0, 100_000)).put("y", number(m, "y", 0, 100_000));
  }

  private static double number(JsonNode m, String field, double min, double max) {
    JsonNode v = m.get(field);
    if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < min || v.asDouble() > max) {
      throw new BadInput(m.path("type").asString() + "." + field + " must be a number between " + (long) min + " and " + (long) max);
    }
    return v.asDouble();
  }

  private static int range(JsonNode m, String field, int min, int max, int dflt) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
      throw new BadInput(m.path("type").asString() + "." + field + " must be a whole number between " + min + " and " + max);
    }
    return v.asInt();
  }

  private static String shortString(JsonNode m, String field, int max) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isString() || v.asString().length() > max) {
      throw new BadInput(m.path("type").asString() + "." + field + " must be a string of at most " + max + " characters");
    }
    return v.asString();
  }
}
