package dev.warren.api;

import dev.warren.error.WarrenException;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A strict reader of one JSON object: unknown fields and wrong types are refused with a 400 that
 * names the field (dotted for nested objects, e.g. {@code limits.memoryMb}).
 */
final class Body {
  private final ObjectNode node;
  private final String prefix;

  private Body(ObjectNode node, String prefix) {
    this.node = node;
    this.prefix = prefix;
  }

  static Body of(Context ctx, Set<String> allowed) {
    JsonNode n = tree(ctx);
    if (n == null || n.isMissingNode() || n.isNull()) {
      return new Body(Json.object(), "").allow(allowed);
    }
    if (!(n instanceof ObjectNode o)) {
      throw WarrenException.invalid("body", "the body must be a JSON object");
    }
    return new Body(o, "").allow(allowed);
  }

  /** The body as JSON of any shape, null when empty; invalid JSON and duplicate keys refused naming them. */
  static JsonNode tree(Context ctx) {
    byte[] raw = ctx.bodyAsBytes();
    if (raw.length == 0) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(raw);
    } catch (JacksonException e) {
      Optional<String> twice = Json.duplicateKey(e);
      if (twice.isPresent()) {
        throw WarrenException.invalid(twice.get(), "the body names '" + twice.get() + "' twice; give each field once");
      }
      throw WarrenException.invalid("body", "the body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** An object without fields, for a member that was left out. */
  static Body empty() {
    return new Body(Json.object(), "");
  }

  private Body allow(Set<String> allowed) {
    if (allowed == null) {
      return this;
    }
    for (String name : node.propertyNames()) {
      if (!allowed.contains(name)) {
        throw WarrenException.invalid(prefix + name, "unknown field '" + prefix + name + "'; known fields: "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return this;
  }

  /** The field names present, in order. */
  java.util.List<String> names() {
    return java.util.List.copyOf(node.propertyNames());
  }

  /** A string field that may be JSON null (meaning: remove). */
  Optional<String> nullableString(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isString()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be a string or null");
    }
    return Optional.of(v.asString());
  }

  boolean has(String name) {
    return node.has(name) && !node.get(name).isNull();
  }

  private JsonNode get(String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  Optional<String> string(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isString()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be a string");
    }
    return Optional.of(v.asString());
  }

  Optional<Long> integer(String name, long min, long max) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be a whole number");
    }
    long x = v.asLong();
    if (x < min || x > max) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be between " + min + " and " + max + ", got " + x);
    }
    return Optional.of(x);
  }

  Optional<Double> number(String name, double min, double max) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isNumber()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be a number");
    }
    double x = v.asDouble();
    if (!(x >= min && x <= max)) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be between " + min + " and " + max + ", got " + v);
    }
    return Optional.of(x);
  }

  Optional<Boolean> bool(String name) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be true or false");
    }
    return Optional.of(v.asBoolean());
  }

  Map<String, String> stringMap(String name) {
    JsonNode v = get(name);
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!v.isObject()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be an object of strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().isString()) {
        throw WarrenException.invalid(prefix + name + "." + e.getKey(), prefix + name + "." + e.getKey() + " must be a string");
      }
      out.put(e.getKey(), e.getValue().asString());
    }
    return out;
  }

  Optional<List<String>> stringList(String name, int maxItems) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be an array of strings");
    }
    if (v.size() > maxItems) {
      throw WarrenException.invalid(prefix + name, prefix + name + " has " + v.size() + " items; at most " + maxItems);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isString()) {
        throw WarrenException.invalid(prefix + name + "[" + i + "]", prefix + name + "[" + i + "] must be a string");
      }
      out.add(v.get(i).asString());
    }
    return Optional.of(out);
  }

  Optional<Body> object(String name, Set<String> allowed) {
    JsonNode v = get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectNode o)) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be an object");
    }
    return Optional.of(new Body(o, prefix + name + ".").allow(allowed));
  }

  /** An array of objects, each with only {@code allowed} fields, their fields named {@code name[i].field}; empty when absent. */
  List<Body> objectList(String name, int maxItems, Set<String> allowed) {
    JsonNode v = get(name);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw WarrenException.invalid(prefix + name, prefix + name + " must be an array of objects");
    }
    if (v.size() > maxItems) {
      throw WarrenException.invalid(prefix + name, prefix + name + " has at most " + maxItems + " items, got " + v.size());
    }
    List<Body> out = new java.util.ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!(v.get(i) instanceof ObjectNode o)) {
        throw WarrenException.invalid(prefix + name + "[" + i + "]", prefix + name + "[" + i + "] must be an object");
      }
      out.add(new Body(o, prefix + name + "[" + i + "].").allow(allowed));
    }
    return out;
  }
}
