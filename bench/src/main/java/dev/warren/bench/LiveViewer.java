package dev.warren.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;

/**
 * A live-view viewer as Warren's live page is one: it decodes every frame (a JPEG) it shows, on a
 * thread of its own, and acknowledges a frame when it starts decoding it; a frame that arrives
 * meanwhile waits (unacknowledged, so the server sends nothing more) until the decoder is free.
 * It reconnects at once when the server closes with
 * 4001 (generation changed). Records, for every frame shown, when (wall clock, so it compares with
 * the page's own clock: sandboxes share the host's), its generation, and the colour at one point
 * of the page. Thread-safe; {@link #close()} is idempotent.
 */
final class LiveViewer implements AutoCloseable {
  /** One frame shown. */
  record Shown(long seq, long generation, Instant at, long nanos, int rgb, int bytes) {}

  private final URI uri;
  private final int probeX;
  private final int probeY;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Shown> shown = new ArrayList<>();
  private final List<String> closes = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile WebSocket ws;
  private volatile long generation = -1;
  private final java.util.concurrent.ExecutorService decoder = java.util.concurrent.Executors.newSingleThreadExecutor();
  private boolean decoding;
  private Runnable waiting;

  private LiveViewer(URI uri, int probeX, int probeY) {
    this.uri = uri;
    this.probeX = probeX;
    this.probeY = probeY;
  }

  /** Opens the socket (the handshake done when this returns); frames arrive in the background. */
  static LiveViewer open(URI uri, int probeX, int probeY) {
    LiveViewer v = new LiveViewer(uri, probeX, probeY);
    v.connect();
    return v;
  }

  private void connect() {
    try {
      ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, new Listener()).get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening " + uri, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot open the live view " + uri + ": " + e, e);
    }
  }

  /** Waits for the first frame shown after index {@code after} that satisfies {@code p}. */
  Shown await(int after, java.util.function.Predicate<Shown> p, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        for (int i = after; i < shown.size(); i++) {
          if (p.test(shown.get(i))) {
            return shown.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no matching frame within " + wait.toMillis() + " ms (" + shown.size() + " frames shown; closes "
              + closes + ")");
        }
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      lock.unlock();
    }
  }

  int count() {
    lock.lock();
    try {
      return shown.size();
    } finally {
      lock.unlock();
    }
  }

  List<Shown> since(int index) {
    lock.lock();
    try {
      return List.copyOf(shown.subList(index, shown.size()));
    } finally {
      lock.unlock();
    }
  }

  long generation() {
    return generation;
  }

  /** Called on the socket's reader: hands the frame to the decoder, or leaves it waiting. */
  private void received(WebSocket socket, JsonNode m) {
    long gen = generation;
    Runnable work = () -> {
      try {
        socket.sendText("{\"type\":\"ack\",\"seq\":" + m.path("seq").asLong() + "}", true).join();
      } catch (RuntimeException e) {
        // the socket closed (a restart); the next connection starts afresh
      }
      decoder.execute(() -> {
        frame(m, gen);
        Runnable next;
        lock.lock();
        try {
          next = waiting;
          waiting = null;
          decoding = next != null;
        } finally {
          lock.unlock();
        }
        if (next != null) {
          next.run();
        }
      });
    };
    lock.lock();
    try {
      if (decoding) {
        waiting = work;
        return;
      }
      decoding = true;
    } finally {
      lock.unlock();
    }
    work.run();
  }

  private void frame(JsonNode m, long gen) {
    long nanos;
    Instant at;
    int rgb = 0;
    byte[] jpeg = Base64.getDecoder().decode(m.path("data").asString());
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
      if (img != null) {
        rgb = img.getRGB(Math.min(probeX, img.getWidth() - 1), Math.min(probeY, img.getHeight() - 1)) & 0xffffff;
      }
    } catch (IOException e) {
      rgb = -1;
    }
    at = Instant.now();
    nanos = System.nanoTime();
    lock.lock();
    try {
      shown.add(new Shown(m.path("seq").asLong(), gen, at, nanos, rgb, jpeg.length));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      decoder.shutdownNow();
      WebSocket w = ws;
      if (w != null) {
        try {
          w.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
          w.abort();
        }
      }
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        JsonNode m = ApiClient.JSON.readTree(text.toString());
        text.setLength(0);
        switch (m.path("type").asString()) {
          case "hello" -> generation = m.path("generation").asLong();
          case "frame" -> received(socket, m);
          default -> {
            // status, page, control: not measured
          }
        }
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      lock.lock();
      try {
        closes.add(code + " " + reason);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (code == 4001 && !closed.get()) {
        CompletableFuture.runAsync(LiveViewer.this::connect);
      }
      return null;
    }
  }
}
