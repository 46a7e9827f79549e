package dev.warren.browser;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A minimal Chrome DevTools Protocol client over a {@link DevtoolsSocket}: numbered requests
 * matched to their answers, events to a listener. For Warren's own needs (closing a browser
 * cleanly, the simple actions API, the live view's screencast); agents speak CDP through the proxy
 * themselves. Thread-safe: each message is written whole by the thread that sends it, before the
 * call returns (microseconds on the sandbox's loopback; a Chromium that stopped reading holds the
 * sender until the connection is closed); answers and events arrive on the socket's reader thread.
 */
public final class CdpClient implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Screenshots and PDFs of large pages are tens of MB of base64. */
  static final int MAX_MESSAGE = 256 * 1024 * 1024;

  private volatile DevtoolsSocket ws;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Consumer<JsonNode> events = e -> {};

  private CdpClient() {}

  /**
   * Speaks CDP to the DevTools target at {@code path} over {@code channel} (connected to Chromium's
   * DevTools port), which it then owns.
   *
   * @throws IllegalStateException when the WebSocket cannot be opened within {@code timeout}
   */
  public static CdpClient open(SocketChannel channel, String where, String path, Duration timeout) {
    CdpClient c = new CdpClient();
    try {
      c.ws = DevtoolsSocket.open(channel, where, path, timeout, MAX_MESSAGE, new DevtoolsSocket.Listener() {
        @Override
        public void text(String message) {
          c.received(message);
        }

        @Override
        public void closed(int code, String reason) {
          c.ended();
        }
      });
      return c;
    } catch (IOException e) {
      throw new IllegalStateException("cannot open DevTools " + path + " of " + where + ": " + e.getMessage(), e);
    }
  }

  /** Where events go; called on the connection's reader thread, so it must not block. */
  public void onEvent(Consumer<JsonNode> listener) {
    this.events = listener;
  }

  /** Sends {@code method} and waits up to {@code timeout} for its result (CDP errors throw). */
  public JsonNode call(String method, ObjectNode params, Optional<String> sessionId, Duration timeout) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    try {
      write(message(id, method, params, sessionId));
      JsonNode r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (r.has("error")) {
        throw new IllegalStateException(method + " failed: " + r.get("error").path("message").asString());
      }
      return r.path("result");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(method + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(method + " got no answer within " + timeout.toMillis() + " ms");
    } finally {
      pending.remove(id);
    }
  }

  public JsonNode call(String method, ObjectNode params, Duration timeout) {
    return call(method, params, Optional.empty(), timeout);
  }

  /**
   * Sends {@code method} without waiting for its answer; the answer (or the CDP error) completes
   * the returned future. Writes the message on this thread, so it may be used from an event
   * listener (an acknowledgement sent so goes out at once).
   */
  public CompletableFuture<JsonNode> send(String method, ObjectNode params, Optional<String> sessionId) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    f.whenComplete((r, e) -> pending.remove(id));
    try {
      write(message(id, method, params, sessionId));
    } catch (IllegalStateException e) {
      f.completeExceptionally(e);
    }
    return f.thenApply(r -> {
      if (r.has("error")) {
        throw new IllegalStateException(method + " failed: " + r.get("error").path("message").asString());
      }
      return r.path("result");
    });
  }

  private static String message(long id, String method, ObjectNode params, Optional<String> sessionId) {
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", params == null ? JSON.createObjectNode() : params);
    sessionId.ifPresent(s -> msg.put("sessionId", s));
    return JSON.writeValueAsString(msg);
  }

  private void write(String text) {
    try {
      ws.sendText(text);
    } catch (IOException e) {
      throw new IllegalStateException("DevTools connection closed: " + e.getMessage(), e);
    }
  }

  public static ObjectNode params() {
    return JSON.createObjectNode();
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Completes when the connection ends, from either side. */
  public CompletableFuture<Void> closedFuture() {
    return closed;
  }

  private void received(String text) {
    JsonNode m = JSON.readTree(text);
    if (m.has("id")) {
      CompletableFuture<JsonNode> f = pending.get(m.get("id").asLong());
      if (f != null) {
        f.complete(m);
      }
    } else {
      events.accept(m);
    }
  }

  private void ended() {
    if (closed.isDone()) {
      return;
    }
    closed.complete(null);
    pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("DevTools connection closed")));
  }

  /** Sends a close and ends the connection when Chromium answers, or after a second (never waits). */
  @Override
  public void close() {
    ws.close();
    ended();
  }
}
