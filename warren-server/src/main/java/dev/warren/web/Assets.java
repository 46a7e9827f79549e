package dev.warren.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's files, read from the jar ({@code dev/warren/web/…}) once and kept in memory:
 * our pages, scripts and styles, and the npm libraries the build copied under {@code static/vendor}.
 * Answers with an ETag so browsers revalidate instead of downloading again. Thread-safe.
 */
final class Assets {
  private static final String ROOT = "dev/warren/web/";
  private static final Map<String, String> TYPES = Map.of(
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "html", "text/html; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "txt", "text/plain; charset=utf-8",
      "json", "application/json");

  /** One file: its bytes, media type and strong ETag. */
  record Asset(byte[] bytes, String type, String etag) {}

  private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

  /** The file at {@code path} below the web root ("static/js/app.js"), if it exists and may be served. */
  Optional<Asset> find(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.contains("//") || path.contains("\\")) {
      return Optional.empty();
    }
    int dot = path.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(path.substring(dot + 1));
    if (type == null) {
      return Optional.empty();
    }
    return cache.computeIfAbsent(path, p -> load(p, type));
  }

  /** The text of a file that must exist (a page template). */
  String text(String path) {
    return new String(find(path).orElseThrow(() -> new IllegalStateException("the jar lacks " + ROOT + path)).bytes(),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  static void send(Context ctx, Asset a) {
    ctx.header("ETag", a.etag());
    ctx.header("Cache-Control", "no-cache");
    ctx.header("X-Content-Type-Options", "nosniff");
    if (a.etag().equals(ctx.header("If-None-Match"))) {
      ctx.status(304);
      return;
    }
    ctx.status(200).contentType(a.type()).result(a.bytes());
  }

  private static Optional<Asset> load(String path, String type) {
    try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(ROOT + path)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return Optional.of(new Asset(bytes, type, "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\""));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ROOT + path + " from the jar", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
