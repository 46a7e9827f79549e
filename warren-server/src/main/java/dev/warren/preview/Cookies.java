package dev.warren.preview;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps cookies on their side of the preview: Warren's own ({@code warren_*}: the dashboard's
 * login, a preview URL's secret) never reach the app, and the app's {@code Set-Cookie} is scoped
 * to the preview so the browser sends it nowhere else: its {@code Domain} is dropped (host-only)
 * and, behind a path prefix, its {@code Path} is moved under that prefix. An app cookie named
 * {@code warren_*} is dropped. Stateless.
 */
final class Cookies {
  static final String WARREN = "warren_";

  private Cookies() {}

  /** The request's {@code Cookie} header without Warren's cookies; empty when none is left. */
  static Optional<String> toApp(String header) {
    if (header == null) {
      return Optional.empty();
    }
    List<String> kept = new ArrayList<>();
    for (String c : header.split(";")) {
      String t = c.strip();
      if (!t.isEmpty() && !t.toLowerCase(Locale.ROOT).startsWith(WARREN)) {
        kept.add(t);
      }
    }
    return kept.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", kept));
  }

  /**
   * The app's {@code Set-Cookie} as the caller's browser gets it; empty to drop it.
   *
   * @param prefix the path the preview is served under ({@code /v1/previews/wpv…}), or "" on a preview host of its own
   */
  static Optional<String> fromApp(String setCookie, String prefix) {
    String[] parts = setCookie.split(";");
    if (parts[0].strip().toLowerCase(Locale.ROOT).startsWith(WARREN)) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder(parts[0].strip());
    boolean pathSeen = false;
    for (int i = 1; i < parts.length; i++) {
      String a = parts[i].strip();
      String name = (a.contains("=") ? a.substring(0, a.indexOf('=')) : a).strip().toLowerCase(Locale.ROOT);
      if (name.equals("domain") || a.isEmpty()) {
        continue;
      }
      if (name.equals("path")) {
        pathSeen = true;
        String p = a.substring(a.indexOf('=') + 1).strip();
        a = "Path=" + prefix + (p.startsWith("/") ? p : "/");
      }
      out.append("; ").append(a);
    }
    if (!pathSeen && !prefix.isEmpty()) {
      out.append("; Path=").append(prefix).append('/');
    }
    return Optional.of(out.toString());
  }

  /** A {@code Location} the app sent, moved under the prefix when it is a path on the app's own host. */
  static String location(String location, String prefix) {
    return !prefix.isEmpty() && location.startsWith("/") && !location.startsWith("//") ? prefix + location : location;
  }
}
