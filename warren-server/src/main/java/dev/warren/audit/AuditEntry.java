package dev.warren.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One audited call: who ({@code actor}: a token id, {@code admin} for the token in
 * {@code $WARREN_DATA/token}, {@code unauthenticated} when the call was refused for want of one),
 * what ({@code method}, matched {@code route}, actual {@code path} without its query string), on
 * what ({@code subject}: the sandbox, browser or token the call was about), and how it ended.
 */
public record AuditEntry(String id, Instant at, String actor, String method, String route, String path, Optional<String> subject,
    int status, long durationMs) {
  public AuditEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(subject, "subject");
  }
}
