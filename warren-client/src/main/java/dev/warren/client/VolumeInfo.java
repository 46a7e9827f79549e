package dev.warren.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A volume as the server reported it.
 *
 * @param usedBytes bytes its filesystem uses, when it is mounted on the host
 * @param mountedBy the sandboxes that name it (a stopped one included), where and how
 * @param problem why it cannot be used, when its file has gone missing from the host
 */
public record VolumeInfo(String name, int sizeMb, Optional<Long> usedBytes, Instant createdAt, List<Holder> mountedBy,
    Optional<String> problem) {

  /** A sandbox that mounts the volume. */
  public record Holder(String sandboxId, String path, boolean readOnly) {}

  public VolumeInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(usedBytes, "usedBytes");
    Objects.requireNonNull(createdAt, "createdAt");
    mountedBy = List.copyOf(mountedBy);
    Objects.requireNonNull(problem, "problem");
  }
}
