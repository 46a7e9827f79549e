package dev.warren.shell;

import java.nio.charset.StandardCharsets;

/** Bash quoting for values Warren writes into a session (ANSI-C {@code $'…'} strings). */
final class Quoting {
  private Quoting() {}

  /** {@code $'…'} that bash reads back as exactly {@code value}: quotes, newlines, $, unicode. */
  static String ansiC(String value) {
    StringBuilder b = new StringBuilder("$'");
    for (byte by : value.getBytes(StandardCharsets.UTF_8)) {
      int c = by & 0xff;
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\'' -> b.append("\\'");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", c));
          } else if (c >= 0x80) {
            // keep UTF-8 as raw bytes: bash passes them through inside $'…'
            b.append(String.format("\\x%02x", c));
          } else {
            b.append((char) c);
          }
        }
      }
    }
    return b.append('\'').toString();
  }
}
