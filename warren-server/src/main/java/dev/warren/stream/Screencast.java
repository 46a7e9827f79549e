package dev.warren.stream;

import dev.warren.browser.CdpClient;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CDP screencast of one generation of a browser session: one DevTools connection to the
 * browser target, attached (flattened) to the page in front, JPEG frames from
 * {@code Page.screencastFrame}. Chromium's frames are acknowledged as they arrive, so Chromium
 * always captures the newest picture; pacing per viewer (no backlog) is the caller's job. Follows
 * the page in front: a new page (a tab an agent opened) takes over, a closed page hands over to
 * the newest left. Input goes to the same page. Target switches run on one thread of their own,
 * never on the connection's reader. Thread-safe; {@code close()} is idempotent.
 */
final class Screencast implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Screencast.class);
  static final int QUALITY = 70;
  static final Duration CALL = Duration.ofSeconds(5);

  /** Where frames and news go; called on the connection's reader thread: must not block. */
  interface Sink {
    void frame(Frame f);

    void page(String url, String title);

    /** The DevTools connection ended without {@link #close()}. */
    void lost(String why);
  }

  /** One JPEG, base64 as Chromium sent it; width and height in CSS pixels of the page. */
  record Frame(long seq, String base64, int width, int height, long receivedNanos) {}

  private final String browserId;
  private final CdpClient cdp;
  private final Sink sink;
  private final int maxWidth;
  private final int maxHeight;
  private final ExecutorService control = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("screencast-", 0).factory());
  private final AtomicLong seq = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final SequencedSet<String> pages = new LinkedHashSet<>();
  private volatile String targetId;
  private volatile String sessionId;
  private volatile boolean casting;
  private volatile boolean ready;

  private Screencast(String browserId, CdpClient cdp, Sink sink, int maxWidth, int maxHeight) {
    this.browserId = browserId;
    this.cdp = cdp;
    this.sink = sink;
    this.maxWidth = maxWidth;
    this.maxHeight = maxHeight;
  }

  /**
   * Takes over {@code cdp} (a client of the browser target, which it closes) and attaches to the
   * page in front: {@code frontPageId}, the first page DevTools lists (most recently active), else
   * a new one.
   */
  static Screencast open(String browserId, CdpClient cdp, Optional<String> frontPageId, int maxWidth, int maxHeight, Sink sink) {
    Screencast s = new Screencast(browserId, cdp, sink, maxWidth, maxHeight);
    try {
      cdp.onEvent(s::event);
      cdp.closedFuture().thenRun(() -> {
        if (!s.closed.get()) {
          sink.lost("the DevTools connection of " + browserId + " ended (Chromium exited or restarted)");
        }
      });
      cdp.call("Target.setDiscoverTargets", CdpClient.params().put("discover", true), CALL);
      List<String> known;
      synchronized (s.pages) {
        known = List.copyOf(s.pages);
      }
      String front = frontPageId.filter(known::contains).orElse(known.isEmpty() ? null : known.getLast());
      if (front == null) {
        front = cdp.call("Target.createTarget", CdpClient.params().put("url", "about:blank"), CALL).path("targetId").asString();
      }
      s.attach(front);
      s.ready = true;
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Starts sending frames (the first arrives soon after, even for a page that does not change). */
  void start() {
    casting = true;
    control.execute(() -> startOn(sessionId));
  }

  /** Stops sending frames; the connection stays for a quick {@link #start()}. */
  void stop() {
    casting = false;
    control.execute(() -> {
      String s = sessionId;
      if (s != null && !casting) {
        cdp.send("Page.stopScreencast", null, Optional.of(s)).exceptionally(e -> null);
      }
    });
  }

  /** Sends an input event (or {@code Input.insertText}) to the page in front; failures are logged. */
  void input(String method, ObjectNode params) {
    String s = sessionId;
    if (s == null) {
      return;
    }
    cdp.send(method, params, Optional.of(s)).exceptionally(e -> {
      log.debug("{} on {} failed: {}", method, browserId, e.getMessage());
      return null;
    });
  }

  private void startOn(String session) {
    if (session == null || closed.get()) {
      return;
    }
    cdp.send("Page.startScreencast", CdpClient.params().put("format", "jpeg").put("quality", QUALITY).put("maxWidth", maxWidth)
        .put("maxHeight", maxHeight).put("everyNthFrame", 1), Optional.of(session)).exceptionally(e -> {
          log.debug("Page.startScreencast on {} failed: {}", browserId, e.getMessage());
          return null;
        });
  }

  private void attach(String target) {
    String old = sessionId;
    JsonNode r = cdp.call("Target.attachToTarget", CdpClient.params().put("targetId", target).put("flatten", true), CALL);
    String session = r.path("sessionId").asString();
    targetId = target;
    sessionId = session;
    if (old != null) {
      cdp.send("Target.detachFromTarget", CdpClient.params().put("sessionId", old), Optional.empty()).exceptionally(e -> null);
    }
    if (casting) {
      startOn(session);
    }
    cdp.send("Target.getTargetInfo", CdpClient.params().put("targetId", target), Optional.empty())
        .thenAccept(info -> sink.page(info.path("targetInfo").path("url").asString(), info.path("targetInfo").path("title").asString()))
        .exceptionally(e -> null);
  }

  private void switchTo(String target) {
    if (closed.get() || target.equals(targetId)) {
      return;
    }
    try {
      attach(target);
      log.debug("screencast of {} follows page {}", browserId, target);
    } catch (RuntimeException e) {
      log.debug("cannot follow page {} of {}: {}", target, browserId, e.getMessage());
    }
  }

  private void event(JsonNode m) {
    String method = m.path("method").asString();
    JsonNode p = m.path("params");
    switch (method) {
      case "Page.screencastFrame" -> {
        String session = m.path("sessionId").asString();
        cdp.send("Page.screencastFrameAck", CdpClient.params().put("sessionId", p.path("sessionId").asInt()), Optional.of(session))
            .exceptionally(e -> null);
        if (session.equals(sessionId)) {
          JsonNode md = p.path("metadata");
          sink.frame(new Frame(seq.incrementAndGet(), p.path("data").asString(), (int) Math.round(md.path("deviceWidth").asDouble(maxWidth)),
              (int) Math.round(md.path("deviceHeight").asDouble(maxHeight)), System.nanoTime()));
        }
      }
      case "Target.targetCreated" -> {
        JsonNode info = p.path("targetInfo");
        if (info.path("type").asString().equals("page")) {
          String id = info.path("targetId").asString();
          synchronized (pages) {
            pages.add(id);
          }
          if (ready) {
            control.execute(() -> switchTo(id));
          }
        }
      }
      case "Target.targetDestroyed" -> {
        String id = p.path("targetId").asString();
        String next;
        synchronized (pages) {
          pages.remove(id);
          next = pages.isEmpty() ? null : pages.getLast();
        }
        if (id.equals(targetId) && next != null) {
          control.execute(() -> switchTo(next));
        }
      }
      case "Target.targetInfoChanged" -> {
        JsonNode info = p.path("targetInfo");
        if (info.path("targetId").asString().equals(targetId)) {
          sink.page(info.path("url").asString(), info.path("title").asString());
        }
      }
      default -> {
        // other events are not ours
      }
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      control.shutdownNow();
      cdp.close();
    }
  }
}
