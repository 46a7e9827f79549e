package dev.warren.client;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Percent-encoding for the pieces the SDK puts into URLs (RFC 3986). */
final class Urls {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VOLUME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Urls() {}

  /**
   * Encodes a query parameter value: everything but unreserved characters and {@code /} becomes
   * {@code %XX} of its UTF-8 bytes, so spaces, {@code &}, {@code #}, {@code +}, {@code =} and
   * non-ASCII text survive the trip.
   */
  static String queryValue(String value) {
    var out = new StringBuilder(value.length() + 16);
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (isUnreserved(c) || c == '/') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /** Checks a resource id before it becomes a path segment; ids are prefixed ULIDs. */
  static String id(String kind, String id) {
    if (id == null) throw new NullPointerException(kind + " id");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(kind + " id must be letters, digits, '_' or '-', got '" + id + "'");
    }
    return id;
  }

  /** Checks a profile name before it becomes a path segment (the server's own rule). */
  static String profile(String name) {
    if (name == null) throw new NullPointerException("profile name");
    if (!PROFILE.matcher(name).matches()) {
      throw new IllegalArgumentException("profile name must be 1-128 letters, digits, '.', '_' or '-', starting with a"
          + " letter or digit, got '" + name + "'");
    }
    return name;
  }

  /** Checks a volume name before it becomes a path segment (the server's own rule). */
  static String volume(String name) {
    if (name == null) throw new NullPointerException("volume name");
    if (!VOLUME.matcher(name).matches()) {
      throw new IllegalArgumentException("volume name must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a"
          + " letter or digit, got '" + name + "'");
    }
    return name;
  }

  /** Checks a path inside a sandbox: absolute, no NUL. */
  static String sandboxPath(String path) {
    if (path == null) throw new NullPointerException("path");
    if (!path.startsWith("/")) throw new IllegalArgumentException("path must be absolute, got '" + path + "'");
    if (path.indexOf('\0') >= 0) throw new IllegalArgumentException("path must not contain NUL");
    return path;
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
