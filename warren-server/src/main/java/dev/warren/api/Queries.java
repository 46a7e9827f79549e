package dev.warren.api;

import dev.warren.error.WarrenException;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Query parameters of the listings, checked: a bad one is a 400 that names it, never a 500. */
final class Queries {
  static final int MAX_LIMIT = 1000;
  /** Times are stored as epoch milliseconds: a since outside these years cannot be one. */
  static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  /** Filters compare with ids and token names: printable and short. */
  static final int MAX_FILTER = 128;

  private Queries() {}

  /** {@code ?limit=}: a whole number from 1 to 1000, else {@code otherwise}. */
  static int limit(Context ctx, int otherwise) {
    String s = ctx.queryParam("limit");
    if (s == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw WarrenException.invalid("limit", "limit must be a whole number between 1 and " + MAX_LIMIT + ", got '" + shown(s) + "'");
  }

  /** {@code ?since=}: an RFC 3339 time between the years 0000 and 9999; empty when absent or blank. */
  static Optional<Instant> since(Context ctx) {
    String s = ctx.queryParam("since");
    if (s == null || s.isEmpty()) {
      return Optional.empty();
    }
    Instant t;
    try {
      t = Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw WarrenException.invalid("since", "since must be an RFC 3339 UTC time such as 2026-01-31T12:00:00Z, got '" + shown(s) + "'");
    }
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw WarrenException.invalid("since", "since must be between " + EARLIEST + " and " + LATEST + ", got '" + shown(s) + "'");
    }
    return Optional.of(t);
  }

  /** A filter such as {@code ?actor=} or {@code ?subject=}: at most 128 printable characters; empty when absent or blank. */
  static Optional<String> filter(Context ctx, String name) {
    String s = ctx.queryParam(name);
    if (s == null || s.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(printable(name, s, MAX_FILTER));
  }

  /**
   * {@code value} of parameter {@code name} when it is at most {@code max} printable characters (no
   * control, format or lone surrogate characters, which some databases refuse with an error).
   */
  static String printable(String name, String value, int max) {
    if (value.length() > max || !value.codePoints().allMatch(c -> c >= 0x20 && !Character.isISOControl(c)
        && Character.getType(c) != Character.SURROGATE && Character.getType(c) != Character.FORMAT)) {
      throw WarrenException.invalid(name, name + " must be at most " + max + " printable characters");
    }
    return value;
  }

  /** A value as shown in a problem: control characters escaped, long ones cut. */
  static String shown(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(80).forEach(c -> {
      if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT) {
        b.append(String.format("\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return s.codePointCount(0, s.length()) > 80 ? b + "…" : b.toString();
  }
}
