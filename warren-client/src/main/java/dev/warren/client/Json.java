package dev.warren.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A small, strict JSON codec (RFC 8259), so the SDK depends on the JDK alone.
 *
 * <p>Parsing yields {@link Map} (insertion-ordered, unmodifiable), {@link java.util.List}
 * (unmodifiable), {@link String}, {@link Long} for integers that fit, {@link BigDecimal} for every
 * other number, {@link Boolean} and {@code null}. Duplicate keys, trailing commas, leading zeros,
 * unescaped control characters and trailing content are errors that carry their offset.
 *
 * <p>Writing accepts maps with string keys, iterables, strings, numbers, booleans and
 * {@code null}. Control characters, quotes and backslashes are escaped, U+2028/U+2029 too;
 * surrogate pairs are written as they are (UTF-8 encodes them) and lone surrogates, which UTF-8
 * cannot carry, as {@code \}{@code uXXXX} escapes. Stateless and thread-safe.
 */
final class Json {

  private Json() {}

  /** Parses one JSON text. */
  static Object parse(String text) {
    return new JsonParser(text).parseDocument();
  }

  /** Parses UTF-8 bytes; malformed UTF-8 is an error. */
  static Object parse(byte[] utf8) {
    try {
      var decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      return parse(decoder.decode(ByteBuffer.wrap(utf8)).toString());
    } catch (CharacterCodingException e) {
      throw new JsonException("malformed UTF-8 in JSON text", 0);
    }
  }

  /** Writes a value as compact JSON text. */
  /** A JSON object's members in the order given, so that a body reads the same on every call. */
  static java.util.Map<String, Object> members(Object... namesAndValues) {
    var members = new java.util.LinkedHashMap<String, Object>();
    for (int i = 0; i < namesAndValues.length; i += 2) members.put((String) namesAndValues[i], namesAndValues[i + 1]);
    return members;
  }

  static String write(Object value) {
    var out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  static byte[] writeBytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  private static void write(Object value, StringBuilder out) {
    // if-chains, not a pattern switch: the SDK compiles for Java 17
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      writeString(s, out);
    } else if (value instanceof Boolean b) {
      out.append(b);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof BigDecimal d) {
      out.append(d);
    } else if (value instanceof Double d) {
      out.append(finite(d));
    } else if (value instanceof Float f) {
      out.append(finite(f.doubleValue()));
    } else if (value instanceof Map<?, ?> map) {
      writeObject(map, out);
    } else if (value instanceof Iterable<?> items) {
      out.append('[');
      boolean first = true;
      for (Object item : items) {
        if (!first) out.append(',');
        first = false;
        write(item, out);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
    }
  }

  private static void writeObject(Map<?, ?> map, StringBuilder out) {
    out.append('{');
    boolean first = true;
    for (var entry : map.entrySet()) {
      if (!(entry.getKey() instanceof String key)) {
        throw new IllegalArgumentException("JSON object keys must be strings, got " + entry.getKey());
      }
      if (!first) out.append(',');
      first = false;
      writeString(key, out);
      out.append(':');
      write(entry.getValue(), out);
    }
    out.append('}');
  }

  private static String finite(double d) {
    if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
    return Double.toString(d);
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            unicodeEscape(c, out);
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            unicodeEscape(c, out);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void unicodeEscape(char c, StringBuilder out) {
    out.append("\\u");
    String hex = Integer.toHexString(c);
    out.append("0".repeat(4 - hex.length())).append(hex);
  }
}
