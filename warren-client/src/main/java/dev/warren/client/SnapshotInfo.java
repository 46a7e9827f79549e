package dev.warren.client;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a sandbox's files (docs/api.md, "Snapshots and forks"): a read-only layer new
 * sandboxes start from ({@link SandboxSpec.Builder#snapshot(String)}). Containers keep files only,
 * never memory.
 *
 * @param origin {@code api} (taken by a call; kept until deleted) or {@code fork} (removed once unused)
 * @param depth the snapshot layers a sandbox from it stacks over the image; 1 when {@code flattened}
 */
public record SnapshotInfo(
    String id,
    Optional<String> name,
    String origin,
    String sandboxId,
    String image,
    Optional<String> parentSnapshot,
    int depth,
    boolean flattened,
    String layer,
    long sizeBytes,
    Map<String, String> labels,
    Instant createdAt) {

  public SnapshotInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(parentSnapshot, "parentSnapshot");
    labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
  }

  static SnapshotInfo fromJson(Object json) {
    var f = JsonFields.of(json, "snapshot");
    return new SnapshotInfo(f.string("id"), f.optString("name"), f.string("origin"), f.string("sandboxId"), f.string("image"),
        f.optString("parentSnapshot"), f.intValue("depth"), f.bool("flattened", false), f.optString("layer").orElse(""),
        f.longValue("sizeBytes"), f.stringMap("labels"), f.instant("createdAt"));
  }
}
