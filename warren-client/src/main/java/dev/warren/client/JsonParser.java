package dev.warren.client;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Recursive-descent parser behind {@link Json#parse(String)}; one instance per document. */
final class JsonParser {

  private static final int MAX_DEPTH = 512;

  private final String text;
  private int pos;
  private int depth;

  JsonParser(String text) {
    this.text = text;
  }

  Object parseDocument() {
    skipWhitespace();
    Object value = parseValue();
    skipWhitespace();
    if (pos < text.length()) throw error("unexpected " + describe(text.charAt(pos)) + " after the value");
    return value;
  }

  private Object parseValue() {
    if (pos >= text.length()) throw error("unexpected end of input, expected a value");
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> parseObject();
      case '[' -> parseArray();
      case '"' -> parseString();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) yield parseNumber();
        throw error("unexpected " + describe(c) + ", expected a value");
      }
    };
  }

  private Map<String, Object> parseObject() {
    var map = new LinkedHashMap<String, Object>();
    if (!openEmpty('}')) {
      do {
        skipWhitespace();
        if (peek() != '"') throw error("expected a string key");
        int keyOffset = pos;
        String key = parseString();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        Object value = parseValue();
        if (map.containsKey(key)) throw new JsonException("duplicate key \"" + key + "\"", keyOffset);
        map.put(key, value);
      } while (nextOrClose('}'));
    }
    return Collections.unmodifiableMap(map);
  }

  private List<Object> parseArray() {
    var list = new ArrayList<>();
    if (!openEmpty(']')) {
      do {
        skipWhitespace();
        list.add(parseValue());
      } while (nextOrClose(']'));
    }
    return Collections.unmodifiableList(list);
  }

  /** Consumes the opening bracket; answers whether the container closes right away. */
  private boolean openEmpty(char close) {
    if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
    pos++;
    skipWhitespace();
    if (peek() != close) return false;
    pos++;
    depth--;
    return true;
  }

  /** After a member: {@code true} on a comma, {@code false} on the closing bracket. */
  private boolean nextOrClose(char close) {
    skipWhitespace();
    char c = peek();
    if (c == ',') {
      pos++;
      return true;
    }
    if (c != close || pos >= text.length()) throw error("expected ',' or '" + close + "'");
    pos++;
    depth--;
    return false;
  }

  private String parseString() {
    pos++;
    var out = new StringBuilder();
    while (true) {
      if (pos >= text.length()) throw error("unterminated string");
      char c = text.charAt(pos);
      if (c == '"') {
        pos++;
        return out.toString();
      } else if (c == '\\') {
        pos++;
        out.append(parseEscape());
      } else if (c < 0x20) {
        throw error("unescaped control character " + describe(c) + " in string");
      } else {
        out.append(c);
        pos++;
      }
    }
  }

  private char parseEscape() {
    if (pos >= text.length()) throw error("unterminated escape");
    char c = text.charAt(pos++);
    return switch (c) {
      case '"' -> '"';
      case '\\' -> '\\';
      case '/' -> '/';
      case 'b' -> '\b';
      case 'f' -> '\f';
      case 'n' -> '\n';
      case 'r' -> '\r';
      case 't' -> '\t';
      case 'u' -> {
        if (pos + 4 > text.length()) throw error("truncated \\u escape");
        int value = 0;
        for (int i = 0; i < 4; i++) {
          int digit = Character.digit(text.charAt(pos), 16);
          if (digit < 0) throw error("invalid hex digit " + describe(text.charAt(pos)) + " in \\u escape");
          value = value * 16 + digit;
          pos++;
        }
        yield (char) value;
      }
      default -> {
        pos -= 2;
        throw error("invalid escape \\" + c);
      }
    };
  }

  private Number parseNumber() {
    int start = pos;
    if (peek() == '-') pos++;
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) throw error("leading zero in number");
    } else {
      digits("");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      digits(" after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') pos++;
      digits(" in the exponent");
    }
    String literal = text.substring(start, pos);
    if (integral && literal.length() <= 20) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooBig) {
        // falls through to BigDecimal
      }
    }
    try {
      return new BigDecimal(literal);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new JsonException("number out of range " + literal, start);
    }
  }

  private void digits(String where) {
    if (!isDigit(peek())) throw error("expected a digit" + where);
    while (isDigit(peek())) pos++;
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) throw error("invalid literal, expected " + word);
    pos += word.length();
    return value;
  }

  private void expect(char c) {
    if (peek() != c) throw error("expected '" + c + "'");
    pos++;
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      pos++;
    }
  }

  private JsonException error(String reason) {
    boolean saysEnd = reason.startsWith("unexpected end") || reason.startsWith("unterminated")
        || reason.startsWith("truncated");
    return new JsonException(pos >= text.length() && !saysEnd ? reason + " but the input ended" : reason, pos);
  }

  private static String describe(char c) {
    return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
  }
}
