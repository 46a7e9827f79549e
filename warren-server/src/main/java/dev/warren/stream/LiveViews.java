package dev.warren.stream;

import dev.warren.browser.BrowserListener;
import dev.warren.browser.BrowserService;
import dev.warren.browser.BrowserSession;
import dev.warren.browser.BrowserState;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.store.Store;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Live views of browser sessions: viewers keyed by (session, generation, viewer id), one channel
 * (one screencast) per session generation, one holder of control per session, taken over
 * explicitly. A viewer that connects while the browser is (re)starting waits for it; when a
 * generation ends, its viewers are closed with {@link CloseCode#GENERATION_CHANGED} (the reason
 * names both generations) if a new one is on its way, else with a code saying why it will not
 * come back. Who watches and who holds control is stored, so a controller restart keeps it.
 * Thread-safe; {@code close()} (controller shutdown) closes every viewer with
 * {@link CloseCode#SHUTTING_DOWN}.
 */
public final class LiveViews implements BrowserListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveViews.class);
  static final Duration START_WAIT = Duration.ofSeconds(30);
  static final Duration LINGER = Duration.ofSeconds(30);

  private final BrowserService browsers;
  private final ViewerRepository repo;
  private final Handoffs handoffs;
  private final Map<String, Channel> channels = new ConcurrentHashMap<>();
  private final Map<String, Long> endedUpTo = new ConcurrentHashMap<>();
  private final Set<Viewer> connected = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  public LiveViews(Store store, BrowserService browsers, Handoffs handoffs) {
    this.browsers = browsers;
    this.repo = new ViewerRepository(store);
    this.handoffs = handoffs;
    browsers.addListener(this);
    handoffs.onChange(h -> {
      Channel ch = channels.get(h.browserId());
      if (ch != null) {
        ch.broadcast(Messages.handoff(h));
      }
    });
  }

  /**
   * The viewer id a new connection gets: {@code requested} when it is free or already belongs to
   * {@code owner} (a digest of the connection's token), else {@code fresh}. Ids are announced to
   * every viewer (the holder's in {@code hello} and {@code control}); bound to their token, they
   * cannot be used to replace, and so disconnect, another token's viewer.
   */
  public String viewerId(String target, java.util.Optional<String> requested, String owner, Viewer.Scope scope,
      java.util.function.Supplier<String> fresh) {
    if (requested.isPresent() && repo.claim(target, requested.get(), owner, scope.wire())) {
      return requested.get();
    }
    for (int i = 0; i < 3; i++) {
      String id = fresh.get();
      if (repo.claim(target, id, owner, scope.wire())) {
        return id;
      }
    }
    throw new IllegalStateException("cannot find a free viewer id for " + target);
  }

  /** A viewer's socket opened (its token already checked): it is attached in the background. */
  public void connect(Viewer v) {
    if (closed.get()) {
      v.close(CloseCode.SHUTTING_DOWN, "the controller is shutting down; reconnect to the same URL");
      return;
    }
    connected.add(v);
    Thread.ofVirtual().name("live-attach-" + v.target()).start(() -> attach(v));
  }

  private void attach(Viewer v) {
    try {
      long deadline = System.nanoTime() + START_WAIT.toNanos();
      boolean told = false;
      while (v.socket().isOpen() && !closed.get()) {
        BrowserSession b = browsers.get(v.target());
        switch (b.state()) {
          case READY -> {
            // a viewer resumes a paused browser, whose screencast then goes on
            browsers.resume(b.id(), "resumed by a live view viewer");
            if (join(v, b)) {
              return;
            }
          }
          case STARTING -> {
            if (!told) {
              v.send(Messages.status("starting", "waiting for browser session " + b.id() + " generation " + b.generation() + " to start"));
              told = true;
            }
          }
          case CRASHED -> {
            String why = b.stateReason().orElse("Chromium is not running");
            v.close(CloseCode.NOT_RUNNING, "browser session " + b.id() + " is not running: " + why
                + (why.contains("start the sandbox") ? "" : "; restart it with POST /v1/browsers/" + b.id() + "/restart"));
            return;
          }
          default -> {
            v.close(CloseCode.GONE, "browser session " + b.id() + " is " + b.state().wire() + b.stateReason().map(r -> ": " + r).orElse(""));
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          v.close(CloseCode.START_TIMEOUT, "browser session " + b.id() + " did not become ready within " + START_WAIT.toSeconds() + " s");
          return;
        }
        Thread.sleep(25);
      }
    } catch (WarrenException e) {
      v.close(e.problem() == Problem.NOT_FOUND ? CloseCode.GONE : CloseCode.INTERNAL, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      v.close(CloseCode.SHUTTING_DOWN, "the controller is shutting down; reconnect to the same URL");
    } catch (RuntimeException e) {
      log.warn("cannot attach viewer {} to {}", v.id(), v.target(), e);
      v.close(CloseCode.INTERNAL, "cannot start the live view: " + e.getMessage());
    }
  }

  /** Joins the channel of {@code b}'s generation; false when that generation ended meanwhile (look again). */
  private boolean join(Viewer v, BrowserSession b) {
    if (endedUpTo.getOrDefault(b.id(), 0L) >= b.generation()) {
      return false;
    }
    Channel[] made = new Channel[1];
    Channel ch = channels.compute(b.id(), (k, cur) -> {
      if (cur != null && !cur.isClosed() && cur.generation() >= b.generation()) {
        return cur;
      }
      made[0] = new Channel(b.id(), b.generation(), b.spec().width(), b.spec().height(), repo.holder(b.id()), this);
      if (cur != null) {
        end(cur, CloseCode.GENERATION_CHANGED, generationChanged(b.id(), cur.generation(), b.generation(), "restarted"));
      }
      return made[0];
    });
    if (ch.generation() != b.generation()) {
      return false;
    }
    if (endedUpTo.getOrDefault(b.id(), 0L) >= ch.generation()) {
      // the generation ended while the channel was made
      if (channels.remove(b.id(), ch)) {
        end(ch, CloseCode.GENERATION_CHANGED, generationChanged(b.id(), ch.generation(), ch.generation() + 1, "restarted"));
      }
      return false;
    }
    repo.connected(b.id(), v.id(), b.generation(), v.scope().wire());
    Optional<Handoff> handoff = handoffs.open(b.id());
    if (!ch.add(v, holder -> Messages.hello(b.id(), b.generation(), v, holder, ch.width(), ch.height(), handoff))) {
      return false;
    }
    log.info("viewer {} ({}) watches {} generation {}", v.id(), v.scope().wire(), b.id(), b.generation());
    if (made[0] != null) {
      openScreencast(ch, b);
    }
    if (!v.socket().isOpen()) {
      // the viewer left while joining; its close may have run before it was added
      disconnected(v, CloseCode.INTERNAL.code());
    }
    return true;
  }

  /** How many times a screencast that cannot start is tried while its session stays ready (a loaded host answers late). */
  private static final int SCREENCAST_TRIES = 3;

  private void openScreencast(Channel ch, BrowserSession b) {
    for (int attempt = 1;; attempt++) {
      RuntimeException failed = tryScreencast(ch, b);
      if (failed == null) {
        return;
      }
      BrowserSession now = browsers.get(b.id());
      boolean same = now.generation() == ch.generation() && now.state() == BrowserState.READY;
      if (same && attempt < SCREENCAST_TRIES && !ch.isClosed()) {
        log.info("cannot start the screencast of {} generation {} (try {} of {}): {}", b.id(), b.generation(), attempt, SCREENCAST_TRIES,
            failed.getMessage());
        try {
          Thread.sleep(500L * attempt);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        continue;
      }
      log.info("cannot start the screencast of {} generation {}: {}", b.id(), b.generation(), failed.getMessage());
      channels.remove(b.id(), ch);
      if (now.generation() > ch.generation() && now.state().live()) {
        end(ch, CloseCode.GENERATION_CHANGED, generationChanged(b.id(), ch.generation(), now.generation(), "restarted"));
      } else {
        end(ch, CloseCode.NOT_RUNNING, "cannot start the screencast of " + b.id() + ": " + failed.getMessage());
      }
      return;
    }
  }

  /** Opens the channel's screencast; the failure, or null when it started (or the channel no longer wants it). */
  private RuntimeException tryScreencast(Channel ch, BrowserSession b) {
    try {
      Optional<String> front = browsers.devtoolsJson(b.id(), "/json/list").flatMap(list -> {
        for (JsonNode n : list) {
          if (n.path("type").asString().equals("page")) {
            return Optional.of(n.path("id").asString());
          }
        }
        return Optional.empty();
      });
      Screencast s = Screencast.open(b.id(), browsers.cdp(b.id(), Screencast.CALL), front, ch.width(), ch.height(), ch);
      if (!ch.opened(s)) {
        closeQuietly(s);
      } else {
        log.info("screencast of {} generation {} started", b.id(), b.generation());
      }
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  /** The screencast's DevTools connection ended on its own (Chromium died or restarted). */
  void lost(Channel ch, String why) {
    if (!channels.remove(ch.target(), ch)) {
      return;
    }
    BrowserSession now = browsers.get(ch.target());
    if (now.generation() > ch.generation() && now.state().live()) {
      end(ch, CloseCode.GENERATION_CHANGED, generationChanged(ch.target(), ch.generation(), now.generation(), "restarted"));
    } else {
      end(ch, CloseCode.NOT_RUNNING, why);
    }
  }

  @Override
  public void ended(BrowserSession now, long endedGeneration, String why) {
    endedUpTo.merge(now.id(), endedGeneration, Math::max);
    Channel ch = channels.get(now.id());
    if (ch != null && ch.generation() <= endedGeneration && channels.remove(now.id(), ch)) {
      if (now.state().live() && now.generation() > endedGeneration) {
        end(ch, CloseCode.GENERATION_CHANGED, generationChanged(now.id(), ch.generation(), now.generation(), why));
      } else if (now.state() == BrowserState.CRASHED) {
        end(ch, CloseCode.NOT_RUNNING, "browser session " + now.id() + " crashed: " + why);
      } else {
        end(ch, CloseCode.GONE, "browser session " + now.id() + " closed: " + why);
      }
    }
    if (now.state() == BrowserState.CLOSING || now.state() == BrowserState.CLOSED) {
      repo.forget(now.id());
    }
  }

  static String generationChanged(String target, long from, long to, String why) {
    return "generation changed: " + target + " generation " + from + " -> " + to + " (" + why + ")";
  }

  private void end(Channel ch, CloseCode code, String reason) {
    Channel.Closed c = ch.close();
    if (!c.viewers().isEmpty()) {
      log.info("closing {} viewer(s) of {} generation {} with {}: {}", c.viewers().size(), ch.target(), ch.generation(), code.code(), reason);
    }
    c.viewers().forEach(v -> v.close(code, reason));
    c.cast().ifPresent(s -> Thread.ofVirtual().start(() -> closeQuietly(s)));
  }

  // ---- messages from a viewer

  /** A text message from a viewer; mistakes are answered with an {@code error} message, not a close. */
  public void message(Viewer v, String text) {
    JsonNode m;
    try {
      m = Messages.JSON.readTree(text);
    } catch (JacksonException e) {
      v.send(Messages.error("bad-message", "messages are JSON objects with a type"));
      return;
    }
    Channel ch = v.channel;
    String type = m.path("type").asString();
    switch (type) {
      case "ack" -> {
        if (ch != null) {
          ch.ack(v, m.path("seq").asLong());
        }
      }
      case "take-control" -> take(v, ch);
      case "release-control" -> {
        if (ch != null && repo.release(v.target(), v.id())) {
          ch.holderChanged(Optional.empty(), Optional.of(v.id()));
        }
      }
      case "mouse", "wheel", "key", "paste" -> input(v, ch, m);
      default -> v.send(Messages.error("bad-message", "unknown message type '" + type + "'"));
    }
  }

  private void take(Viewer v, Channel ch) {
    if (v.scope() != Viewer.Scope.CONTROL) {
      v.send(Messages.error("forbidden", "this viewer's token is view-only; open a live view URL that grants control"));
      return;
    }
    if (ch == null) {
      v.send(Messages.error("not-ready", "the live view is not attached yet"));
      return;
    }
    Optional<String> previous = repo.take(v.target(), v.id());
    ch.holderChanged(Optional.of(v.id()), previous.filter(p -> !p.equals(v.id())));
    handoffs.taken(v.target(), v.id());
    browsers.touch(v.target());
  }

  private void input(Viewer v, Channel ch, JsonNode m) {
    if (v.scope() != Viewer.Scope.CONTROL) {
      v.send(Messages.error("forbidden", "this viewer's token is view-only"));
      return;
    }
    if (ch == null || !ch.holder().equals(Optional.of(v.id()))) {
      v.send(Messages.error("not-holder", "take control first (another viewer may hold it)"));
      return;
    }
    InputEvents.Command c;
    try {
      c = InputEvents.of(m);
    } catch (InputEvents.BadInput e) {
      v.send(Messages.error("bad-input", e.getMessage()));
      return;
    }
    ch.cast().ifPresent(s -> s.input(c.method(), c.params()));
    browsers.touch(v.target());
  }

  /** A viewer's socket closed; a viewer that closed it itself (1000, 1001) gives up control. */
  public void disconnected(Viewer v, int code) {
    connected.remove(v);
    Channel ch = v.channel;
    if (ch != null && ch.remove(v)) {
      Thread.ofVirtual().start(() -> linger(ch));
    }
    try {
      repo.seen(v.target(), v.id());
      if (!v.closedByServer && (code == 1000 || code == 1001) && ch != null && ch.holder().equals(Optional.of(v.id()))
          && repo.release(v.target(), v.id())) {
        ch.holderChanged(Optional.empty(), Optional.of(v.id()));
      }
    } catch (RuntimeException e) {
      log.debug("cannot record that viewer {} left: {}", v.id(), e.getMessage());
    }
  }

  /** A channel nobody watches keeps its DevTools connection a while, for a quick return. */
  private void linger(Channel ch) {
    try {
      Thread.sleep(LINGER);
    } catch (InterruptedException e) {
      return;
    }
    if (ch.isIdle() && channels.remove(ch.target(), ch)) {
      ch.close().cast().ifPresent(LiveViews::closeQuietly);
    }
  }

  /** Viewers connected to this controller now. */
  public int connectedCount() {
    return connected.size();
  }

  /** Who watches a browser session and who holds control, from the store (also viewers gone since). */
  public java.util.List<ViewerSession> viewers(String target) {
    Set<String> here = new java.util.HashSet<>();
    connected.stream().filter(v -> v.target().equals(target)).forEach(v -> here.add(v.id()));
    return repo.of(target, here::contains);
  }

  private static void closeQuietly(Screencast s) {
    try {
      s.close();
    } catch (RuntimeException e) {
      log.debug("closing a screencast: {}", e.toString());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (Viewer v : connected) {
      v.close(CloseCode.SHUTTING_DOWN, "the controller is shutting down; reconnect to the same URL");
    }
    for (Channel ch : channels.values()) {
      ch.close().cast().ifPresent(LiveViews::closeQuietly);
    }
    channels.clear();
  }
}
