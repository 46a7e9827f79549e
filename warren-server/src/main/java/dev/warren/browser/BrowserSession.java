package dev.warren.browser;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A browser session: Chromium in a sandbox of its own.
 *
 * @param generation bumped whenever Chromium starts again in place: a restart through the API, a
 *     restart of its sandbox, a profile saved while the session goes on
 * @param profileWriter whether this session holds its profile's write lock
 */
public record BrowserSession(
    String id, Optional<String> key, Optional<String> sandboxId, BrowserState state, Optional<String> stateReason, BrowserSpec spec,
    boolean profileWriter, long generation, Instant createdAt, Optional<Instant> startedAt, Optional<Instant> closedAt,
    Instant lastActivityAt) {
  public BrowserSession {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(spec, "spec");
  }

  /** The next generation, in state {@code s} (a restart of Chromium in place). */
  BrowserSession nextGeneration(BrowserState s, Optional<String> reason) {
    return new BrowserSession(id, key, sandboxId, s, reason, spec, profileWriter, generation + 1, createdAt, startedAt, Optional.empty(),
        Instant.now());
  }

  /** This generation, ready now. */
  BrowserSession readyNow() {
    return new BrowserSession(id, key, sandboxId, BrowserState.READY, Optional.empty(), spec, profileWriter, generation, createdAt,
        Optional.of(Instant.now()), Optional.empty(), Instant.now());
  }

  BrowserSession with(BrowserState s, Optional<String> reason) {
    return new BrowserSession(id, key, sandboxId, s, reason, spec, profileWriter, generation, createdAt, startedAt,
        s == BrowserState.CLOSED ? Optional.of(Instant.now()) : closedAt, lastActivityAt);
  }
}
