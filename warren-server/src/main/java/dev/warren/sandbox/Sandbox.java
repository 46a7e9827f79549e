package dev.warren.sandbox;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A sandbox as the store knows it: its spec, where it is in its life cycle, and the host resources
 * it owns (its index in the instance and its address, kept for its whole life).
 *
 * @param generation bumped at every start; viewers and sessions of an older generation are stale
 */
public record Sandbox(
    String id,
    SandboxState state,
    Optional<String> stateReason,
    SandboxSpec spec,
    String imageDigest,
    long generation,
    int slot,
    String address,
    Instant createdAt,
    Optional<Instant> startedAt,
    Optional<Instant> stoppedAt,
    Instant lastActivityAt) {

  public Sandbox {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(stateReason, "stateReason");
    Objects.requireNonNull(spec, "spec");
  }

  public Sandbox with(SandboxState s, Optional<String> reason) {
    return new Sandbox(id, s, reason, spec, imageDigest, generation, slot, address, createdAt, startedAt, stoppedAt, lastActivityAt);
  }

  /** The same sandbox, last active at {@code at}. */
  public Sandbox activeAt(Instant at) {
    return new Sandbox(id, state, stateReason, spec, imageDigest, generation, slot, address, createdAt, startedAt, stoppedAt, at);
  }
}
