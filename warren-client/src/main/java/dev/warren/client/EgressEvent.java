package dev.warren.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection the egress proxy handled for a sandbox, allowed or refused.
 *
 * @param method {@code CONNECT} or the HTTP method of a plain proxied request
 * @param reason why it was refused; empty when allowed
 * @param viaUpstream whether it went through the sandbox's upstream proxy
 */
public record EgressEvent(
    String host,
    int port,
    String method,
    boolean allowed,
    Optional<String> reason,
    boolean viaUpstream,
    long bytesOut,
    long bytesIn,
    Instant startedAt,
    Duration duration) {

  public EgressEvent {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(duration, "duration");
  }
}
