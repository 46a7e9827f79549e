package dev.warren.log;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from a log line, whatever logged it: API tokens ({@code wrn_…}), signed tokens
 * ({@code wst.…}), {@code token=} query parameters, {@code Bearer} credentials, passwords in URLs
 * and JDBC parameters. The last line of defence; callers do not log secrets in the first place.
 */
public final class Redact {
  private record Rule(Pattern pattern, String replacement) {}

  private static final List<Rule> RULES = List.of(
      new Rule(Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=-]+"), "$1***"),
      new Rule(Pattern.compile("wrn_[A-Za-z0-9_-]{8,}"), "wrn_***"),
      new Rule(Pattern.compile("wst\\.\\d+\\.[A-Za-z0-9_-]+"), "wst.***"),
      new Rule(Pattern.compile("(?i)\\b(token=)[^&\\s\"]+"), "$1***"),
      new Rule(Pattern.compile("(?i)\\b(password=)[^&;\\s\"]+"), "$1***"),
      new Rule(Pattern.compile("(://[^/\\s:@\"]+:)[^@\\s/\"]+@"), "$1***@"));

  private Redact() {}

  public static String line(String s) {
    if (s == null || s.isEmpty()) {
      return s;
    }
    String out = s;
    for (Rule r : RULES) {
      Matcher m = r.pattern().matcher(out);
      if (m.find()) {
        out = m.replaceAll(r.replacement());
      }
    }
    return out;
  }
}
