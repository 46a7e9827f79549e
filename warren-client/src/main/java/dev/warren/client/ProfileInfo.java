package dev.warren.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A named browser profile as the server reported it.
 *
 * @param sizeBytes size of the saved user-data directory (a tar file); 0 until a session saved it
 * @param updatedAt when a session last saved it
 * @param inUseBy the browser session holding its write lock, if one does
 */
public record ProfileInfo(String name, long sizeBytes, Instant createdAt, Instant updatedAt, Optional<String> inUseBy) {

  public ProfileInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(inUseBy, "inUseBy");
  }
}
