package dev.warren.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A minimal Chrome DevTools Protocol client on the JDK's {@link WebSocket}: commands with ids
 * (optionally for a flattened target session), their answers, and events to listeners. Used the
 * same way against Warren's CDP proxy and against a Chromium started directly on the host, so
 * both sides of a comparison pay for the same client. Thread-safe; {@link #close()} is idempotent
 * and fails commands still waiting.
 */
final class Cdp implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private final URI uri;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<JsonNode>> listeners = new CopyOnWriteArrayList<>();
  private volatile String closedBecause;
  private WebSocket ws;

  private Cdp(URI uri) {
    this.uri = uri;
  }

  /** Opens the WebSocket; throws when it is not open within {@code timeout}. */
  static Cdp connect(URI uri, Duration timeout) {
    Cdp c = new Cdp(uri);
    try {
      c.ws = HTTP.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, c.new Listener())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return c;
    } catch (ExecutionException e) {
      throw new IllegalStateException("CDP connect to " + redact(uri) + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("CDP connect to " + redact(uri) + " did not finish within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
  }

  static ObjectNode params() {
    return ApiClient.JSON.createObjectNode();
  }

  /** Sends {@code method} to the browser target and waits for its result. */
  JsonNode call(String method, ObjectNode params, Duration timeout) {
    return call(method, params, Optional.empty(), timeout);
  }

  /** Sends {@code method}, for the flattened target session {@code sessionId} if given, and waits for its result. */
  JsonNode call(String method, ObjectNode params, Optional<String> sessionId, Duration timeout) {
    int id = ids.incrementAndGet();
    ObjectNode msg = ApiClient.JSON.createObjectNode().put("id", id).put("method", method);
    if (params != null) {
      msg.set("params", params);
    }
    sessionId.ifPresent(s -> msg.put("sessionId", s));
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      if (closedBecause != null) {
        throw new IllegalStateException("CDP connection closed: " + closedBecause);
      }
      synchronized (this) {
        ws.sendText(ApiClient.JSON.writeValueAsString(msg), true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      JsonNode r = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (r.has("error")) {
        throw new IllegalStateException(method + " failed: " + r.get("error"));
      }
      return r.path("result");
    } catch (ExecutionException e) {
      throw new IllegalStateException(method + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(method + " got no answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    } finally {
      pending.remove(id);
    }
  }

  /**
   * On the browser's first page (made when there is none), as Warren's navigate action does it:
   * loads {@code url}, waits for its load event and returns {@code document.title}.
   */
  String loadPage(String url, Duration timeout) {
    String target = null;
    for (JsonNode info : call("Target.getTargets", null, timeout).path("targetInfos")) {
      if (info.path("type").asString().equals("page")) {
        target = info.path("targetId").asString();
        break;
      }
    }
    if (target == null) {
      target = call("Target.createTarget", params().put("url", "about:blank"), timeout).path("targetId").asString();
    }
    String session = call("Target.attachToTarget", params().put("targetId", target).put("flatten", true), timeout)
        .path("sessionId").asString();
    Optional<String> s = Optional.of(session);
    CompletableFuture<Void> loaded = new CompletableFuture<>();
    onEvent(e -> {
      if ("Page.loadEventFired".equals(e.path("method").asString()) && session.equals(e.path("sessionId").asString())) {
        loaded.complete(null);
      }
    });
    call("Page.enable", null, s, timeout);
    JsonNode r = call("Page.navigate", params().put("url", url), s, timeout);
    if (r.hasNonNull("errorText")) {
      throw new IllegalStateException("navigation to " + url + " failed: " + r.get("errorText").asString());
    }
    try {
      loaded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the page at " + url + " did not finish loading within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
    return call("Runtime.evaluate", params().put("expression", "document.title").put("returnByValue", true), s, timeout)
        .path("result").path("value").asString();
  }

  /** Called with every event (a message without an id), on the WebSocket's thread. */
  void onEvent(Consumer<JsonNode> listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    fail("closed by the client");
    if (ws != null) {
      ws.abort();
    }
  }

  private void fail(String why) {
    if (closedBecause == null) {
      closedBecause = why;
    }
    pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("CDP connection to " + redact(uri) + ": " + why)));
  }

  /** The URI without its query (Warren's CDP URLs carry a token there). */
  static String redact(URI uri) {
    return uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String whole = text.toString();
        text.setLength(0);
        try {
          JsonNode m = ApiClient.JSON.readTree(whole);
          if (m.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(m.get("id").asInt());
            if (f != null) {
              f.complete(m);
            }
          } else {
            listeners.forEach(l -> l.accept(m));
          }
        } catch (RuntimeException e) {
          // not JSON: ignore
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      fail("closed by the other side (" + statusCode + (reason.isEmpty() ? "" : " " + reason) + ")");
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      fail(error.toString());
    }
  }
}
