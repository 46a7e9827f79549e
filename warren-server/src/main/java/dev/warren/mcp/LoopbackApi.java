package dev.warren.mcp;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Warren's own HTTP API, called over loopback with the MCP caller's token: a tool is one or two API
 * calls, so it validates, answers and fails exactly as the API does (the problem's detail becomes
 * the tool error), and the audit trail names the caller. Thread-safe.
 */
final class LoopbackApi {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final Supplier<URI> base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  LoopbackApi(Supplier<URI> base) {
    this.base = base;
  }

  /** A failed call: what the API said, ready to show to a model. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }

  /** An answer: status, body and the headers that matter to tools. */
  record Answer(int status, byte[] body, HttpResponse<byte[]> raw) {
    JsonNode json() {
      return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse("");
    }
  }

  Answer call(String authorization, String method, String path, Object json, Duration timeout) {
    byte[] body = json == null ? null : JSON.writeValueAsBytes(json);
    return send(authorization, method, path, body, "application/json", timeout);
  }

  Answer send(String authorization, String method, String path, byte[] body, String type, Duration timeout) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.get().resolve(path)).timeout(timeout.plusSeconds(30))
        .header("Authorization", authorization)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      b.header("Content-Type", type);
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new Failure(method + " " + path + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(method + " " + path + " was interrupted");
    }
    Answer a = new Answer(r.statusCode(), r.body(), r);
    if (r.statusCode() >= 400) {
      throw new Failure(problem(method, path, a));
    }
    return a;
  }

  /** "404 not-found: no sandbox sbx_… (field x)", from the problem body. */
  private static String problem(String method, String path, Answer a) {
    try {
      JsonNode p = a.json();
      String type = p.path("type").asString("");
      return method + " " + path + " failed with " + a.status() + " " + type.substring(type.lastIndexOf('/') + 1) + ": "
          + p.path("detail").asString("") + (p.hasNonNull("field") ? " (field " + p.path("field").asString() + ")" : "");
    } catch (RuntimeException e) {
      return method + " " + path + " failed with " + a.status() + ": " + new String(a.body(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
