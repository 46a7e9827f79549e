package dev.warren.computer;

import dev.warren.computer.ComputerAction.Button;
import dev.warren.computer.ComputerAction.Point;
import dev.warren.error.WarrenException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads a computer-use request: one action object, {@code {"actions": [...]}} or a bare array,
 * with an optional {@code screen: {width, height}} (the caller's screen space). Everything is
 * checked before anything runs; a refusal names the field ({@code actions[2].x}). Stateless.
 */
public final class ActionParser {
  public static final int MAX_ACTIONS = 100;
  public static final int MAX_TEXT = 10_000;
  public static final long MAX_WAIT_MS = 10_000;
  public static final int MAX_SCROLL = 50;
  public static final int MAX_PATH = 100;
  static final int MAX_COORDINATE = 16_384;

  /** The actions in order, and the caller's screen space when it gave one. */
  public record Request(List<ComputerAction> actions, Optional<Scale.Size> screen) {}

  /** Each action's fields besides {@code action}; the aliases name what they stand for. */
  private static final Map<String, Set<String>> FIELDS = Map.of("screenshot", Set.of(), "mouse_move", Set.of("x", "y", "coordinate"),
      "click", Set.of("x", "y", "coordinate", "button", "count"), "drag", Set.of("path", "from", "to", "button"),
      "scroll", Set.of("x", "y", "coordinate", "dx", "dy"), "key", Set.of("keys"), "type", Set.of("text"), "cursor_position", Set.of(),
      "wait", Set.of("ms"));
  private static final Map<String, String> ALIASES = Map.of("left_click", "click", "right_click", "click", "middle_click", "click",
      "double_click", "click", "triple_click", "click", "move", "mouse_move", "keypress", "key");
  public static final List<String> NAMES = List.of("screenshot", "mouse_move", "click", "drag", "scroll", "key", "type", "cursor_position",
      "wait");

  private ActionParser() {}

  public static Request parse(JsonNode body) {
    if (body == null || body.isMissingNode() || body.isNull()) {
      throw WarrenException.invalid("action", "the body must be an action ({\"action\": \"screenshot\"}), {\"actions\": [...]} or an array of actions");
    }
    if (body.isArray()) {
      return new Request(list(body), Optional.empty());
    }
    if (!body.isObject()) {
      throw WarrenException.invalid("body", "the body must be a JSON object or an array of actions");
    }
    Optional<Scale.Size> screen = screen(body.get("screen"));
    if (body.has("actions")) {
      for (String f : body.propertyNames()) {
        if (!f.equals("actions") && !f.equals("screen")) {
          throw WarrenException.invalid(f, "unknown field '" + f + "' beside actions; known fields: actions, screen");
        }
      }
      return new Request(list(body.get("actions")), screen);
    }
    return new Request(List.of(action(body, "", Set.of("screen"))), screen);
  }

  private static List<ComputerAction> list(JsonNode arr) {
    if (!arr.isArray() || arr.isEmpty()) {
      throw WarrenException.invalid("actions", "actions must be a non-empty array of actions");
    }
    if (arr.size() > MAX_ACTIONS) {
      throw WarrenException.invalid("actions", "actions has " + arr.size() + " items; at most " + MAX_ACTIONS + " per request");
    }
    List<ComputerAction> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      out.add(action(arr.get(i), "actions[" + i + "]", Set.of()));
    }
    return out;
  }

  private static Optional<Scale.Size> screen(JsonNode n) {
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    Fields f = new Fields(n, "screen", Set.of("width", "height"));
    int w = f.integer("width", 16, MAX_COORDINATE).orElseThrow(() -> f.missing("width", "the width of the caller's screen in pixels"));
    int h = f.integer("height", 16, MAX_COORDINATE).orElseThrow(() -> f.missing("height", "the height of the caller's screen in pixels"));
    return Optional.of(new Scale.Size(w, h));
  }

  private static ComputerAction action(JsonNode n, String at, Set<String> beside) {
    String prefix = at.isEmpty() ? "" : at + ".";
    if (n == null || !n.isObject()) {
      throw WarrenException.invalid(at.isEmpty() ? "body" : at, (at.isEmpty() ? "the body" : at) + " must be an object with an action");
    }
    JsonNode a = n.get("action");
    if (a == null || !a.isString()) {
      throw WarrenException.invalid(prefix + "action", prefix + "action is required, one of " + String.join(", ", NAMES));
    }
    String alias = a.asString();
    String name = ALIASES.getOrDefault(alias, alias);
    Set<String> fields = FIELDS.get(name);
    if (fields == null) {
      throw WarrenException.invalid(prefix + "action", "unknown action '" + alias + "'; the actions are " + String.join(", ", NAMES));
    }
    Set<String> allowed = new java.util.HashSet<>(fields);
    allowed.add("action");
    allowed.addAll(beside);
    Fields f = new Fields(n, at, allowed);
    return switch (name) {
      case "screenshot" -> new ComputerAction.Screenshot(at);
      case "mouse_move" -> new ComputerAction.MouseMove(at, f.point().orElseThrow(() -> f.missing("x", "where to move the pointer")));
      case "click" -> new ComputerAction.Click(at, f.point(), button(f, alias), count(f, alias));
      case "drag" -> new ComputerAction.Drag(at, path(f), f.button().orElse(Button.LEFT));
      case "scroll" -> new ComputerAction.Scroll(at, f.point(), f.integer("dx", -MAX_SCROLL, MAX_SCROLL).orElse(0),
          f.integer("dy", -MAX_SCROLL, MAX_SCROLL).orElse(0));
      case "key" -> new ComputerAction.Key(at, KeyChords.parse(f, "keys"));
      case "type" -> new ComputerAction.Type(at, f.string("text", MAX_TEXT).orElseThrow(() -> f.missing("text", "the text to type")));
      case "cursor_position" -> new ComputerAction.CursorPosition(at);
      case "wait" -> new ComputerAction.Wait(at, Duration.ofMillis(f.integer("ms", 0, (int) MAX_WAIT_MS)
          .orElseThrow(() -> f.missing("ms", "how long to wait, in milliseconds (at most " + MAX_WAIT_MS + ")"))));
      default -> throw new IllegalStateException("no parser for " + name);
    };
  }

  private static Button button(Fields f, String alias) {
    Optional<Button> given = f.button();
    Button implied = switch (alias) {
      case "right_click" -> Button.RIGHT;
      case "middle_click" -> Button.MIDDLE;
      default -> Button.LEFT;
    };
    if (given.isPresent() && !alias.equals("click") && !alias.equals("double_click") && !alias.equals("triple_click")
        && given.get() != implied) {
      throw WarrenException.invalid(f.name("button"), alias + " clicks the " + implied.wire() + " button; leave button out or use click");
    }
    return given.orElse(implied);
  }

  private static int count(Fields f, String alias) {
    int implied = switch (alias) {
      case "double_click" -> 2;
      case "triple_click" -> 3;
      default -> 1;
    };
    return f.integer("count", 1, 3).orElse(implied);
  }

  private static List<Point> path(Fields f) {
    if (f.has("path")) {
      if (f.has("from") || f.has("to")) {
        throw WarrenException.invalid(f.name("path"), "give either path or from and to, not both");
      }
      List<Point> path = f.points("path", MAX_PATH);
      if (path.size() < 2) {
        throw WarrenException.invalid(f.name("path"), f.name("path") + " needs at least 2 points, got " + path.size());
      }
      return path;
    }
    Point from = f.pointObject("from").orElseThrow(() -> f.missing("from", "where the drag starts ({x, y}), or a path"));
    Point to = f.pointObject("to").orElseThrow(() -> f.missing("to", "where the drag ends ({x, y})"));
    return List.of(from, to);
  }
}
