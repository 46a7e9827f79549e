package dev.warren.net;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection (or plain-HTTP request) the egress proxy handled, allowed or refused.
 *
 * @param sandboxId the sandbox the connection came from, or empty when the source address is unknown
 * @param method {@code CONNECT} or the HTTP method of a plain proxied request
 * @param reason why it was refused, or empty when allowed
 */
public record EgressEvent(
    Optional<String> sandboxId,
    String clientAddress,
    String method,
    String host,
    int port,
    boolean allowed,
    Optional<String> reason,
    boolean viaUpstream,
    long bytesOut,
    long bytesIn,
    Instant startedAt,
    Duration duration) {

  public EgressEvent {
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(clientAddress, "clientAddress");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(duration, "duration");
  }
}
