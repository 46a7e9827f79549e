package dev.warren.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A TCP port something listens on inside a running sandbox ({@link Sandbox#ports}).
 *
 * @param address where it listens ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}…): preview URLs
 *     reach a port through the sandbox's loopback, so an app listening on its other address alone is
 *     listed but does not open
 * @param family {@code ipv4} or {@code ipv6}
 * @param path the path that opens it with the API token ({@code /v1/sandboxes/{id}/ports/{port}/})
 * @param warren whether it is Warren's own listener, not the sandbox's app
 * @param service for Warren's own: what it is ({@code vnc}, {@code devtools})
 */
public record ListeningPort(int port, String address, String family, String path, boolean warren, Optional<String> service) {
  public ListeningPort {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(service, "service");
  }
}
