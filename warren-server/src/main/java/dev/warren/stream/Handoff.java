package dev.warren.stream;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An agent's request for a human to take over a browser session (to log in, solve a challenge) and
 * hand it back. {@code waiting → in-progress} (a viewer took control) {@code → done} (handed back;
 * the profile saved when the session writes one), or {@code cancelled}.
 *
 * @param takenBy the viewer that took control while it was open
 * @param detail what happened at the end, in words
 */
public record Handoff(String id, String browserId, State state, String reason, Optional<String> takenBy, boolean profileSaved,
    Optional<String> detail, Instant createdAt, Instant updatedAt, Optional<Instant> endedAt) {

  /** Where a handoff is. */
  public enum State {
    WAITING, IN_PROGRESS, DONE, CANCELLED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean open() {
      return this == WAITING || this == IN_PROGRESS;
    }

    public static Optional<State> parse(String s) {
      for (State st : values()) {
        if (st.wire().equals(s)) {
          return Optional.of(st);
        }
      }
      return Optional.empty();
    }
  }

  public Handoff {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(takenBy, "takenBy");
    Objects.requireNonNull(detail, "detail");
  }

  Handoff with(State s, Optional<String> taken, boolean saved, Optional<String> why) {
    Instant now = Instant.now();
    return new Handoff(id, browserId, s, reason, taken, saved, why, createdAt, now, s.open() ? Optional.empty() : Optional.of(now));
  }
}
