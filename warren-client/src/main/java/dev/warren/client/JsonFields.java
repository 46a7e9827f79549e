package dev.warren.client;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed, forgiving-about-extras access to one parsed JSON object from the server. Unknown members
 * are ignored (the API grows by adding fields); a member of the wrong type is an error naming it.
 */
record JsonFields(String where, Map<String, Object> members) {

  static JsonFields of(Object parsed, String where) {
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(where + ": expected a JSON object, got " + typeOf(parsed));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> members = (Map<String, Object>) map;
    return new JsonFields(where, members);
  }

  String string(String name) {
    return optString(name).orElseThrow(() -> missing(name));
  }

  Optional<String> optString(String name) {
    return opt(name, String.class);
  }

  long longValue(String name) {
    return optLong(name).orElseThrow(() -> missing(name));
  }

  Optional<Long> optLong(String name) {
    return opt(name, Number.class).map(n -> {
      if (n instanceof Long l) return l;
      try {
        return ((BigDecimal) n).longValueExact();
      } catch (ArithmeticException e) {
        throw wrongType(name, "an integer", n);
      }
    });
  }

  int intValue(String name) {
    return optInt(name).orElseThrow(() -> missing(name));
  }

  Optional<Integer> optInt(String name) {
    return optLong(name).map(l -> {
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw wrongType(name, "a 32-bit integer", l);
      return l.intValue();
    });
  }

  Optional<Double> optDouble(String name) {
    return opt(name, Number.class).map(Number::doubleValue);
  }

  boolean bool(String name, boolean absent) {
    return opt(name, Boolean.class).orElse(absent);
  }

  Instant instant(String name) {
    return optInstant(name).orElseThrow(() -> missing(name));
  }

  Optional<Instant> optInstant(String name) {
    return optString(name).map(s -> {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw wrongType(name, "an RFC 3339 time", s);
      }
    });
  }

  Optional<Duration> optSeconds(String name) {
    return optLong(name).map(Duration::ofSeconds);
  }

  Optional<Duration> optMillis(String name) {
    return optLong(name).map(Duration::ofMillis);
  }

  Optional<JsonFields> optObject(String name) {
    return opt(name, Map.class).map(m -> JsonFields.of(m, where + "." + name));
  }

  Map<String, String> stringMap(String name) {
    var out = new LinkedHashMap<String, String>();
    optObject(name).ifPresent(o -> o.members.keySet().forEach(k -> out.put(k, o.string(k))));
    return Map.copyOf(out);
  }

  List<Object> list(String name) {
    @SuppressWarnings("unchecked")
    List<Object> list = opt(name, List.class).orElse(List.of());
    return list;
  }

  List<String> stringList(String name) {
    return list(name).stream().map(item -> {
      if (item instanceof String s) return s;
      throw wrongType(name + "[]", "a string", item);
    }).toList();
  }

  /** An absent member and an explicit {@code null} are both empty. */
  private <T> Optional<T> opt(String name, Class<T> type) {
    Object value = members.get(name);
    if (value == null) return Optional.empty();
    if (!type.isInstance(value)) throw wrongType(name, describe(type), value);
    return Optional.of(type.cast(value));
  }

  private static String describe(Class<?> type) {
    if (type == Map.class) return "an object";
    if (type == List.class) return "an array";
    return "a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  private IllegalArgumentException missing(String name) {
    return new IllegalArgumentException(where + "." + name + " is missing");
  }

  private IllegalArgumentException wrongType(String name, String expected, Object value) {
    return new IllegalArgumentException(
        where + "." + name + ": expected " + expected + ", got " + typeOf(value) + " " + value);
  }

  private static String typeOf(Object value) {
    if (value == null) {
      return "null";
    }
    return value instanceof String ? "string" : value instanceof Number ? "number" : value instanceof Boolean ? "boolean"
        : value instanceof Map ? "object" : value instanceof List ? "array" : value.getClass().getSimpleName();
  }
}
