package dev.warren.stream;

import dev.warren.browser.BrowserListener;
import dev.warren.browser.BrowserService;
import dev.warren.browser.BrowserSession;
import dev.warren.browser.BrowserState;
import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.events.Events;
import dev.warren.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Human takeover of browser sessions: an agent asks ({@code handoff.requested}), a human watching
 * the live view takes control ({@code in-progress}), logs in, hands back ({@code handoff.done}; the
 * session's profile is saved first when it writes one), and the agent's long poll returns. A
 * session has at most one open handoff; asking again returns it. Closing the session cancels it.
 * Thread-safe.
 */
public final class Handoffs implements BrowserListener {
  static final int MAX_REASON = 2000;

  private final HandoffRepository repo;
  private final BrowserService browsers;
  private final Events events;
  private final Map<String, CompletableFuture<Void>> changes = new ConcurrentHashMap<>();
  private final List<Consumer<Handoff>> listeners = new CopyOnWriteArrayList<>();

  /** A handoff and whether this call made it. */
  public record Requested(Handoff handoff, boolean created) {}

  public Handoffs(Store store, BrowserService browsers, Events events) {
    this.repo = new HandoffRepository(store);
    this.browsers = browsers;
    this.events = events;
    browsers.addListener(this);
  }

  /** Told of every change of a handoff (live views show it). */
  public void onChange(Consumer<Handoff> listener) {
    listeners.add(listener);
  }

  public Requested request(String browserId, String reason) {
    if (reason.isBlank() || reason.length() > MAX_REASON) {
      throw WarrenException.invalid("reason", "reason must be 1-" + MAX_REASON + " characters saying what the human should do");
    }
    BrowserSession b = browsers.get(browserId);
    if (!b.state().live()) {
      throw new StreamException(Problem.CONFLICT, "browser session " + browserId + " is " + b.state().wire() + "; a human cannot take it over");
    }
    Optional<Handoff> open = repo.open(browserId);
    if (open.isPresent()) {
      return new Requested(open.get(), false);
    }
    Instant now = Instant.now();
    Handoff h = new Handoff(Ids.next("hnd"), browserId, Handoff.State.WAITING, reason, Optional.empty(), false, Optional.empty(), now, now,
        Optional.empty());
    repo.insert(h);
    events.record("handoff.requested", browserId, h.id() + ": " + reason);
    changed(h);
    return new Requested(h, true);
  }

  public Handoff get(String browserId, String id) {
    return repo.find(id).filter(h -> h.browserId().equals(browserId))
        .orElseThrow(() -> new StreamException(Problem.NOT_FOUND, "no handoff " + id + " for browser session " + browserId));
  }

  public Optional<Handoff> open(String browserId) {
    return repo.open(browserId);
  }

  /**
   * Refuses an agent's input (computer-use actions) while a handoff of the session is open: the
   * human it asked for has, or is about to take, the controls. A 409 naming the handoff.
   */
  public void refuseAgentInput(String browserId) {
    Optional<Handoff> open = repo.open(browserId);
    if (open.isPresent()) {
      Handoff h = open.get();
      throw new StreamException(Problem.CONFLICT, "browser session " + browserId + " is handed off to a human: handoff " + h.id() + " is "
          + h.state().wire() + " (" + h.reason() + "); the agent's input is refused until the human hands back (POST /v1/browsers/"
          + browserId + "/handoffs/" + h.id() + "/complete) or the handoff is cancelled", Map.of("handoff", h.id(), "handoffState",
          h.state().wire()));
    }
  }

  public List<Handoff> list(Optional<String> state, Optional<String> browserId, int limit) {
    return repo.list(state, browserId, limit);
  }

  /** Waits until the handoff is done or cancelled, or {@code wait} passes; returns it as it is then. */
  public Handoff await(String browserId, String id, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      CompletableFuture<Void> change = changes.computeIfAbsent(id, k -> new CompletableFuture<>());
      Handoff h = get(browserId, id);
      long left = deadline - System.nanoTime();
      if (!h.state().open() || left <= 0) {
        return h;
      }
      try {
        change.get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return get(browserId, id);
      } catch (ExecutionException e) {
        return get(browserId, id);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StreamException(Problem.UNAVAILABLE, "interrupted while waiting for handoff " + id);
      }
    }
  }

  /** A viewer took control of the session: its waiting handoff is in progress. */
  void taken(String browserId, String viewerId) {
    repo.open(browserId).filter(h -> h.state() == Handoff.State.WAITING).ifPresent(h -> {
      Handoff next = h.with(Handoff.State.IN_PROGRESS, Optional.of(viewerId), false, Optional.empty());
      if (repo.update(next, Handoff.State.WAITING)) {
        events.record("handoff.taken", browserId, h.id() + ": viewer " + viewerId);
        changed(next);
      }
    });
  }

  /** The human hands back: saves the profile when the session writes one, then it is done. Repeating it is harmless. */
  public Handoff complete(String browserId, String id) {
    Handoff h = get(browserId, id);
    if (h.state() == Handoff.State.DONE) {
      return h;
    }
    if (h.state() == Handoff.State.CANCELLED) {
      throw new StreamException(Problem.CONFLICT, "handoff " + id + " was cancelled" + h.detail().map(d -> " (" + d + ")").orElse(""));
    }
    boolean saved = browsers.saveProfileNow(browserId, "handed back after " + id);
    String detail = saved ? "handed back; profile " + browsers.get(browserId).spec().profile().orElse("?") + " saved"
        : "handed back; the session writes no profile";
    Handoff done = h.with(Handoff.State.DONE, h.takenBy(), saved, Optional.of(detail));
    if (!repo.update(done, h.state())) {
      return get(browserId, id);
    }
    events.record("handoff.done", browserId, id + ": " + detail);
    changed(done);
    return done;
  }

  public Handoff cancel(String browserId, String id, String why) {
    Handoff h = get(browserId, id);
    if (!h.state().open()) {
      return h;
    }
    Handoff cancelled = h.with(Handoff.State.CANCELLED, h.takenBy(), false, Optional.of(why));
    if (!repo.update(cancelled, h.state())) {
      return get(browserId, id);
    }
    events.record("handoff.cancelled", browserId, id + ": " + why);
    changed(cancelled);
    return cancelled;
  }

  @Override
  public void ended(BrowserSession now, long endedGeneration, String why) {
    if (now.state() == BrowserState.CLOSING || now.state() == BrowserState.CLOSED) {
      repo.open(now.id()).ifPresent(h -> cancel(now.id(), h.id(), "the browser session closed: " + why));
    }
  }

  private void changed(Handoff h) {
    CompletableFuture<Void> f = changes.remove(h.id());
    if (f != null) {
      f.complete(null);
    }
    for (Consumer<Handoff> l : listeners) {
      l.accept(h);
    }
  }
}
