package dev.warren.browser;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * A minimal Chrome DevTools Protocol client over the JDK WebSocket: numbered requests matched to
 * their answers, events to a listener. For Warren's own needs (closing a browser cleanly, the
 * simple actions API, the live view's screencast); agents speak CDP through the proxy themselves.
 * Thread-safe: messages go out one at a time, in the order they were given.
 */
public final class CdpClient implements AutoCloseable {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /**
   * One HTTP client for every DevTools connection: each client has a selector thread, an epoll and
   * an eventfd of its own, released only when the garbage collector notices it (a client per
   * connection held a few more fds for every session opened and closed).
   */
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final WebSocket ws;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Consumer<JsonNode> events = e -> {};
  private final java.util.concurrent.locks.ReentrantLock sendLock = new java.util.concurrent.locks.ReentrantLock();
  private CompletableFuture<WebSocket> sendChain = CompletableFuture.completedFuture(null);

  private CdpClient(WebSocket ws) {
    this.ws = ws;
  }

  public static CdpClient connect(URI uri, Duration timeout) {
    Listener listener = new Listener();
    CompletableFuture<WebSocket> opening = HTTP.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, listener);
    try {
      WebSocket ws = opening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      CdpClient c = new CdpClient(ws);
      listener.client = c;
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      opening.thenAccept(WebSocket::abort);
      throw new IllegalStateException("interrupted while connecting to " + uri, e);
    } catch (ExecutionException | TimeoutException e) {
      // a connection that opens after all has nobody to close it
      opening.thenAccept(WebSocket::abort);
      throw new IllegalStateException("cannot reach DevTools at " + uri + ": " + e, e);
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
      enqueue(message(id, method, params, sessionId)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
   * Sends {@code method} without waiting; the answer (or the CDP error) completes the returned
   * future. Never blocks, so it may be used from an event listener.
   */
  public CompletableFuture<JsonNode> send(String method, ObjectNode params, Optional<String> sessionId) {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    f.whenComplete((r, e) -> pending.remove(id));
    enqueue(message(id, method, params, sessionId)).whenComplete((w, e) -> {
      if (e != null) {
        f.completeExceptionally(e);
      }
    });
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

  /** The JDK WebSocket allows one send at a time: chain them. */
  private CompletableFuture<WebSocket> enqueue(String text) {
    sendLock.lock();
    try {
      CompletableFuture<WebSocket> next = sendChain.handle((w, e) -> null).thenCompose(v -> ws.sendText(text, true));
      sendChain = next;
      return next;
    } finally {
      sendLock.unlock();
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

  @Override
  public void close() {
    try {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
      abortSoon(ws);
    } catch (Exception e) {
      ws.abort();
    }
    ended();
  }

  /**
   * Ends the TCP connection of a WebSocket whose close was sent, once the peer had a moment to
   * answer it. The JDK keeps the connection until the peer's close arrives, and a peer in a deleted
   * sandbox never sends one: without this, the socket stayed open for the life of the controller.
   */
  public static void abortSoon(WebSocket ws) {
    CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(ws::abort);
  }

  private static final class Listener implements WebSocket.Listener {
    volatile CdpClient client;
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        if (client != null) {
          client.received(text);
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      if (client != null) {
        client.ended();
      }
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      if (client != null) {
        client.ended();
      }
    }
  }
}
