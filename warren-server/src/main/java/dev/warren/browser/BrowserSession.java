package dev.warren.browser;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A browser session: Chromium in a sandbox of its own.
 *
 * @param generation bumped when Chromium is restarted in place after a crash
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

  BrowserSession with(BrowserState s, Optional<String> reason) {
    return new BrowserSession(id, key, sandboxId, s, reason, spec, profileWriter, generation, createdAt, startedAt,
        s == BrowserState.CLOSED ? Optional.of(Instant.now()) : closedAt, lastActivityAt);
  }
}
