package dev.warren.client;

import java.util.Map;
import java.util.Objects;

/**
 * The server's health as {@link Warren#health()} saw it.
 *
 * @param ok whether {@code /healthz} answered 200: the process is alive
 * @param ready whether {@code /readyz} answered 200: the store and the runtime are usable
 * @param status the {@code status} member of the {@code /readyz} answer, e.g. {@code ready}
 * @param checks the {@code checks} member of {@code /readyz}: check name to its parsed JSON value
 *     (a string, number, boolean, list or map)
 */
public record Health(boolean ok, boolean ready, String status, Map<String, Object> checks) {

  public Health {
    Objects.requireNonNull(status, "status");
    checks = Map.copyOf(Objects.requireNonNull(checks, "checks"));
  }
}
