package dev.warren.http;

import io.javalin.http.Context;
import java.net.URI;
import java.util.Optional;

/**
 * The base of the URLs Warren hands out (CDP, live view, VNC): {@code WARREN_PUBLIC_URL} when it
 * is set (Warren behind a reverse proxy or TLS terminator), else the scheme and Host the request
 * came with. WebSocket URLs follow the scheme: {@code wss://} for https.
 */
public final class PublicUrls {
  private final Optional<String> configured;

  public PublicUrls(Optional<URI> publicUrl) {
    this.configured = publicUrl.map(u -> u.toString().replaceAll("/+$", ""));
  }

  /** {@code http(s)://host[:port][/prefix]}, without a trailing slash. */
  public String http(Context ctx) {
    return configured.orElseGet(() -> (secure(ctx) ? "https" : "http") + "://" + ctx.host());
  }

  /** {@code ws(s)://host[:port][/prefix]}, without a trailing slash. */
  public String ws(Context ctx) {
    String h = http(ctx);
    return h.startsWith("https:") ? "wss:" + h.substring("https:".length()) : "ws:" + h.substring("http:".length());
  }

  /** Whether the caller reached Warren over TLS, directly or through a proxy that says so. */
  public static boolean secure(Context ctx) {
    return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
  }
}
