package dev.warren.api;

import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful shutdown of the API. {@link #run} stops accepting connections, answers new calls on
 * open connections with 503 {@code shutting-down}, closes every WebSocket (terminals, CDP, live
 * views) with 1001 "Warren is shutting down", ends followed logs, and lets calls in flight finish
 * for up to the grace period. One second before it ends, waits that can be resumed later (a
 * synchronous session command) stop waiting and answer with the job as it is. Sandboxes, shells and
 * browsers are not touched. Thread-safe.
 */
public final class Drain {
  private static final Logger log = LoggerFactory.getLogger(Drain.class);
  static final String REASON = "Warren is shutting down";
  private static final String COUNTED = "warren.in-flight";

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, WsContext> sockets = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> stopping = new CompletableFuture<>();
  private final CompletableFuture<Void> deadline = new CompletableFuture<>();

  /** Completes when shutdown begins (followed streams end). */
  public CompletableFuture<Void> stopping() {
    return stopping;
  }

  /** Completes when calls in flight must stop waiting and answer with what they have. */
  public CompletableFuture<Void> deadline() {
    return deadline;
  }

  public boolean draining() {
    return stopping.isDone();
  }

  void before(Context ctx) {
    if (draining()) {
      ctx.header("Connection", "close");
      ctx.header("Retry-After", "5");
      throw new WarrenException(Problem.SHUTTING_DOWN, REASON + "; retry in a few seconds");
    }
    inFlight.incrementAndGet();
    ctx.attribute(COUNTED, Boolean.TRUE);
  }

  void after(Context ctx) {
    if (ctx.attribute(COUNTED) != null) {
      ctx.attribute(COUNTED, null);
      inFlight.decrementAndGet();
    }
  }

  void opened(WsContext ctx) {
    if (draining()) {
      ctx.closeSession(1001, REASON);
      return;
    }
    if (ctx.session.isOpen()) {
      sockets.put(ctx.sessionId(), ctx);
    }
  }

  void closed(WsContext ctx) {
    sockets.remove(ctx.sessionId());
  }

  /** Drains {@code app} within {@code grace}; returns how many calls were still in flight at the end. */
  int run(Javalin app, Duration grace) {
    long t0 = System.nanoTime();
    stopping.complete(null);
    for (Connector c : app.jettyServer().server().getConnectors()) {
      if (c instanceof AbstractConnector ac) {
        ac.shutdown();
      }
    }
    int ws = 0;
    for (WsContext s : sockets.values()) {
      try {
        if (s.session.isOpen()) {
          s.closeSession(1001, REASON);
          ws++;
        }
      } catch (RuntimeException e) {
        log.debug("closing a WebSocket at shutdown: {}", e.toString());
      }
    }
    sockets.clear();
    int waiting = inFlight.get();
    log.atInfo().addKeyValue("inFlight", waiting).addKeyValue("websockets", ws).addKeyValue("graceMs", grace.toMillis())
        .log("shutdown: draining the API");
    Duration soft = grace.minusSeconds(1).isNegative() ? Duration.ZERO : grace.minusSeconds(1);
    await(t0, soft);
    deadline.complete(null);
    await(t0, grace);
    int left = inFlight.get();
    log.atInfo().addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).addKeyValue("unfinished", left)
        .log(left == 0 ? "shutdown: every call in flight finished" : "shutdown: grace period over; unfinished calls are cut");
    return left;
  }

  private void await(long t0, Duration upTo) {
    long end = t0 + upTo.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
