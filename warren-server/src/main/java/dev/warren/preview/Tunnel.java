package dev.warren.preview;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection (a WebSocket, after the app's 101) relayed byte for byte between the
 * caller and the app, one virtual thread per direction. Made by the servlet container when the
 * proxy calls {@code upgrade}, then {@link #attach attached} to the app's connection before the
 * container calls {@link #init}. A direction's normal end half-closes the other side; an error, or
 * {@link #close} (the URL or token revoked, the sandbox stopping), closes both. Each direction's
 * thread owns its streams; the flags are atomics.
 */
public final class Tunnel implements HttpUpgradeHandler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

  private volatile SocketChannel app;
  private volatile InputStream fromApp;
  private volatile Binding binding;
  private volatile Runnable ended = () -> {};
  private volatile WebConnection caller;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger running = new AtomicInteger(2);

  /** What the tunnel belongs to: a sandbox, and the preview URL and token that opened it. */
  public record Binding(String sandboxId, int port, String urlId, String minter) {}

  /** Public for the container, which makes it by its no-argument constructor. */
  public Tunnel() {}

  void attach(SocketChannel app, InputStream fromApp, Binding binding, Runnable ended) {
    this.app = app;
    this.fromApp = fromApp;
    this.binding = binding;
    this.ended = ended;
  }

  public Binding binding() {
    return binding;
  }

  @Override
  public void init(WebConnection wc) {
    this.caller = wc;
    if (closed.get()) {
      try {
        wc.close();
      } catch (Exception e) {
        log.debug("closing a preview tunnel closed before it began: {}", e.toString());
      }
      return;
    }
    Thread.ofVirtual().name("preview-up-" + binding.sandboxId()).start(() -> pump(wc::getInputStream, () -> app.socket().getOutputStream(), true));
    Thread.ofVirtual().name("preview-down-" + binding.sandboxId()).start(() -> pump(() -> fromApp, wc::getOutputStream, false));
  }

  private interface Opener<T> {
    T get() throws IOException;
  }

  private void pump(Opener<InputStream> from, Opener<OutputStream> to, boolean toApp) {
    try {
      Bodies.all(from.get(), to.get());
      if (toApp) {
        app.shutdownOutput();
      } else {
        caller.getOutputStream().close();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed.get()) {
        log.debug("preview tunnel to {} port {}: {}", binding.sandboxId(), binding.port(), e.toString());
      }
      close();
    } finally {
      if (running.decrementAndGet() == 0) {
        close();
      }
    }
  }

  @Override
  public void destroy() {
    close();
  }

  /** Closes both sides; idempotent, from any thread. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      SocketChannel a = app;
      if (a != null) {
        a.close();
      }
    } catch (IOException e) {
      log.debug("closing a preview tunnel's app side: {}", e.toString());
    }
    try {
      WebConnection c = caller;
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      log.debug("closing a preview tunnel's caller side: {}", e.toString());
    }
    ended.run();
  }
}
