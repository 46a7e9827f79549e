package dev.warren.stream;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A WebSocket client for tests (the JDK's): text messages parsed as JSON into a queue, binary
 * bytes into another, and the close code and reason. Frames are acknowledged when {@code autoAck}.
 * Shared with the security tests (signed URLs, viewer ids).
 */
public final class WsClient implements AutoCloseable {
  public static final JsonMapper JSON = JsonMapper.builder().build();

  /** How the server closed the socket. */
  public record Closed(int code, String reason) {}

  public final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  public final BlockingQueue<byte[]> binary = new LinkedBlockingQueue<>();
  public final CompletableFuture<Closed> closed = new CompletableFuture<>();
  private final WebSocket ws;
  private final boolean autoAck;
  private final java.util.concurrent.locks.ReentrantLock sending = new java.util.concurrent.locks.ReentrantLock();

  private WsClient(URI uri, boolean autoAck) throws Exception {
    this.autoAck = autoAck;
    this.ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, new Listener())
        .get(20, TimeUnit.SECONDS);
  }

  public static WsClient open(URI uri, boolean autoAck) throws Exception {
    return new WsClient(uri, autoAck);
  }

  /** The JDK WebSocket allows one send at a time; acks go out from the reader thread. */
  public void send(String text) {
    sending.lock();
    try {
      ws.sendText(text, true).join();
    } finally {
      sending.unlock();
    }
  }

  public void sendBinary(byte[] b) {
    sending.lock();
    try {
      ws.sendBinary(ByteBuffer.wrap(b), true).join();
    } finally {
      sending.unlock();
    }
  }

  /** The next message matching {@code p} (others are dropped), or an AssertionError after {@code wait}. */
  public JsonNode await(Predicate<JsonNode> p, Duration wait, String what) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode m = messages.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
      if (m != null && p.test(m)) {
        return m;
      }
    }
    throw new AssertionError("no " + what + " within " + wait.toMillis() + " ms" + (closed.isDone() ? "; closed " + closed.getNow(null) : ""));
  }

  public JsonNode await(String type, Duration wait) throws InterruptedException {
    return await(m -> m.path("type").asString().equals(type), wait, "'" + type + "' message");
  }

  public Closed awaitClose(Duration wait) throws Exception {
    return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "test done").get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        ws.abort();
      }
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    private java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        JsonNode m = JSON.readTree(text.toString());
        text.setLength(0);
        if (autoAck && m.path("type").asString().equals("frame")) {
          send("{\"type\":\"ack\",\"seq\":" + m.path("seq").asLong() + "}");
        }
        messages.add(m);
      }
      w.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      bytes.writeBytes(b);
      if (last) {
        binary.add(bytes.toByteArray());
        bytes = new java.io.ByteArrayOutputStream();
      }
      w.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
      closed.complete(new Closed(code, reason));
      return null;
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
      closed.complete(new Closed(1006, String.valueOf(error)));
    }
  }
}
