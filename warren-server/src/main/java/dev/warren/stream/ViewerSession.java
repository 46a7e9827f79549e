package dev.warren.stream;

import java.time.Instant;

/**
 * A stored viewer session: who watched which generation of a target, with what scope, whether it
 * holds control, and whether it is connected to this controller now.
 */
public record ViewerSession(String target, String viewerId, long generation, boolean control, String scope, Instant createdAt,
    Instant lastSeenAt, boolean connected) {}
