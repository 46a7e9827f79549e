package dev.warren.computer;

import dev.warren.computer.ComputerAction.Button;
import dev.warren.computer.ComputerAction.Point;
import dev.warren.error.WarrenException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** A strict reader of one JSON object of a computer-use request; refusals name the field with its path ({@code actions[2].x}). */
final class Fields {
  private final JsonNode node;
  private final String at;

  Fields(JsonNode node, String at, Set<String> allowed) {
    this.node = node;
    this.at = at;
    if (!node.isObject()) {
      throw WarrenException.invalid(at, at + " must be an object");
    }
    for (String f : node.propertyNames()) {
      if (!allowed.contains(f)) {
        throw WarrenException.invalid(name(f), "unknown field '" + name(f) + "'; known fields: " + String.join(", ", allowed.stream().sorted()
            .toList()));
      }
    }
  }

  String name(String field) {
    return at.isEmpty() ? field : at + "." + field;
  }

  boolean has(String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  JsonNode get(String field) {
    return has(field) ? node.get(field) : null;
  }

  WarrenException missing(String field, String what) {
    return WarrenException.invalid(name(field), name(field) + " is required: " + what);
  }

  Optional<Integer> integer(String field, int min, int max) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    return Optional.of(integer(v, name(field), min, max));
  }

  static int integer(JsonNode v, String name, int min, int max) {
    // 12.0 is a whole number; models send it
    if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble())) {
      throw WarrenException.invalid(name, name + " must be a whole number, got " + v);
    }
    double d = v.asDouble();
    if (d < min || d > max) {
      throw WarrenException.invalid(name, name + " must be between " + min + " and " + max + ", got " + v);
    }
    return (int) d;
  }

  Optional<String> string(String field, int maxLength) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isString()) {
      throw WarrenException.invalid(name(field), name(field) + " must be a string");
    }
    if (v.asString().length() > maxLength) {
      throw WarrenException.invalid(name(field), name(field) + " has " + v.asString().length() + " characters; at most " + maxLength);
    }
    return Optional.of(v.asString());
  }

  Optional<Button> button() {
    return string("button", 16).map(b -> switch (b.toLowerCase(Locale.ROOT)) {
      case "left" -> Button.LEFT;
      case "right" -> Button.RIGHT;
      case "middle", "wheel" -> Button.MIDDLE;
      default -> throw WarrenException.invalid(name("button"), name("button") + " must be left, right or middle, got '" + b + "'");
    });
  }

  /** {@code x} and {@code y}, or {@code coordinate: [x, y]}; both or neither. */
  Optional<Point> point() {
    if (has("coordinate")) {
      if (has("x") || has("y")) {
        throw WarrenException.invalid(name("coordinate"), "give either coordinate or x and y, not both");
      }
      JsonNode c = get("coordinate");
      if (!c.isArray() || c.size() != 2) {
        throw WarrenException.invalid(name("coordinate"), name("coordinate") + " must be [x, y]");
      }
      return Optional.of(new Point(integer(c.get(0), name("coordinate") + "[0]", 0, ActionParser.MAX_COORDINATE),
          integer(c.get(1), name("coordinate") + "[1]", 0, ActionParser.MAX_COORDINATE), at));
    }
    Optional<Integer> x = integer("x", 0, ActionParser.MAX_COORDINATE);
    Optional<Integer> y = integer("y", 0, ActionParser.MAX_COORDINATE);
    if (x.isPresent() != y.isPresent()) {
      String lacking = x.isPresent() ? "y" : "x";
      throw missing(lacking, "x and y go together");
    }
    return x.map(v -> new Point(v, y.get(), at));
  }

  Optional<Point> pointObject(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return Optional.empty();
    }
    return Optional.of(pointIn(v, name(field)));
  }

  List<Point> points(String field, int max) {
    JsonNode v = get(field);
    if (!v.isArray()) {
      throw WarrenException.invalid(name(field), name(field) + " must be an array of {x, y}");
    }
    if (v.size() > max) {
      throw WarrenException.invalid(name(field), name(field) + " has " + v.size() + " points; at most " + max);
    }
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(pointIn(v.get(i), name(field) + "[" + i + "]"));
    }
    return out;
  }

  private static Point pointIn(JsonNode v, String name) {
    Fields f = new Fields(v, name, Set.of("x", "y"));
    int x = f.integer("x", 0, ActionParser.MAX_COORDINATE).orElseThrow(() -> f.missing("x", "a point is {x, y}"));
    int y = f.integer("y", 0, ActionParser.MAX_COORDINATE).orElseThrow(() -> f.missing("y", "a point is {x, y}"));
    return new Point(x, y, name);
  }
}
