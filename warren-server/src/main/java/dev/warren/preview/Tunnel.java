package dev.warren.preview;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection (a WebSocket, after the app's 101) relayed byte for byte between the
 * caller's connection and the app's: the caller's endpoint is handed to this connection by Jetty
 * once the 101 is sent ({@code HttpStream.UPGRADE_CONNECTION_ATTRIBUTE}). Caller to app runs on
 * Jetty's fill callbacks; app to caller on a virtual thread of its own. A direction's normal end
 * half-closes the other side; an error, or {@link #close} (the URL or token revoked, the sandbox
 * stopping), closes both. The flags are atomics; each direction owns its buffer.
 */
public final class Tunnel extends AbstractConnection implements Connection.UpgradeTo, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);
  private static final int BUFFER = 64 * 1024;
  /** How long the caller's side may be silent both ways before the tunnel closes (the server's HTTP idle timeout is far shorter). */
  static final java.time.Duration IDLE = java.time.Duration.ofHours(1);

  private final SocketChannel app;
  private final InputStream fromApp;
  private final Binding binding;
  private final Runnable ended;
  private final ByteBuffer in = BufferUtil.allocate(BUFFER);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger running = new AtomicInteger(2);

  /** What the tunnel belongs to: a sandbox port, and the preview URL (or null) and token that opened it. */
  public record Binding(String sandboxId, int port, String urlId, String minter) {}

  Tunnel(EndPoint caller, Executor executor, SocketChannel app, InputStream fromApp, Binding binding, Runnable ended) {
    super(caller, executor);
    this.app = app;
    this.fromApp = fromApp;
    this.binding = binding;
    this.ended = ended;
  }

  public Binding binding() {
    return binding;
  }

  /** Bytes the caller sent after its request head, read already by the HTTP parser: they go to the app first. */
  @Override
  public void onUpgradeTo(ByteBuffer buffered) {
    if (BufferUtil.hasContent(buffered)) {
      BufferUtil.append(in, buffered);
    }
  }

  @Override
  public void onOpen() {
    super.onOpen();
    getEndPoint().setIdleTimeout(IDLE.toMillis());
    Thread.ofVirtual().name("preview-down-" + binding.sandboxId()).start(this::down);
    if (BufferUtil.hasContent(in)) {
      getExecutor().execute(this::onFillable);
    } else {
      fillInterested();
    }
  }

  /** Caller to app: whatever the endpoint has, written out whole, until it has nothing more for now. */
  @Override
  public void onFillable() {
    try {
      while (true) {
        if (BufferUtil.hasContent(in)) {
          while (in.hasRemaining()) {
            app.write(in);
          }
          BufferUtil.clear(in);
        }
        int n = getEndPoint().fill(in);
        if (n == 0) {
          fillInterested();
          return;
        }
        if (n < 0) {
          app.shutdownOutput();
          done();
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** App to caller, on its own thread: each read written to the endpoint before the next. */
  private void down() {
    byte[] buf = new byte[BUFFER];
    try {
      for (int r; (r = fromApp.read(buf)) >= 0; ) {
        Callback.Completable sent = new Callback.Completable();
        getEndPoint().write(sent, ByteBuffer.wrap(buf, 0, r));
        sent.get(60, TimeUnit.SECONDS);
      }
      getEndPoint().shutdownOutput();
      done();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      failed(e);
    }
  }

  private void done() {
    if (running.decrementAndGet() == 0) {
      close();
    }
  }

  private void failed(Exception e) {
    if (!closed.get()) {
      log.debug("preview tunnel to {} port {}: {}", binding.sandboxId(), binding.port(), e.toString());
    }
    close();
  }

  /** Closes both sides; idempotent, from any thread. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      app.close();
    } catch (IOException e) {
      log.debug("closing a preview tunnel's app side: {}", e.toString());
    }
    getEndPoint().close();
    ended.run();
  }
}
