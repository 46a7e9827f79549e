package dev.warren.snapshot;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a sandbox's files: a read-only layer over its image (and, when the sandbox was made
 * from a snapshot, over that snapshot's layers). Memory is not part of it (containers).
 *
 * @param origin {@code api} (asked for; kept until deleted) or {@code fork} (made by a fork; removed
 *     once no sandbox and no snapshot uses it)
 * @param sandboxId the sandbox it was taken of (which may be gone since)
 * @param parentId the snapshot that sandbox was made from, if any
 * @param flattened whether its layer is the whole tree (image, parent layers and changes in one),
 *     made when stacking one more layer would pass {@link SnapshotService#MAX_DEPTH}; else it
 *     stacks on its parent's layers (or the image)
 * @param depth how many snapshot layers a sandbox made from it stacks over the image (1 when flattened:
 *     its one layer then stands in for the image too)
 * @param layer the name of its layer in the layers directory: {@code <snapshot id>.img} for a layer
 *     kept as a filesystem image (captured block by block, or flattened), the hex SHA-256 of the
 *     tree for a layer kept as files; empty while it is being made
 * @param layerUidBase the host uid that is root in the owners of its layer's files ({@code
 *     dev.warren.runtime.Lower#uidBase}): the source sandbox's root for a captured image, 0 for a
 *     tree or a flattened layer
 */
public record Snapshot(
    String id, Optional<String> name, State state, String origin, String sandboxId, String image, String imageDigest,
    Optional<String> parentId, boolean flattened, int depth, Optional<String> layer, long sizeBytes, Map<String, String> labels,
    Instant createdAt, long layerUidBase) {

  public static final String API = "api";
  public static final String FORK = "fork";

  /** A snapshot whose layer's owners are the ids a sandbox sees (or that has no layer yet). */
  public Snapshot(
      String id, Optional<String> name, State state, String origin, String sandboxId, String image, String imageDigest,
      Optional<String> parentId, boolean flattened, int depth, Optional<String> layer, long sizeBytes, Map<String, String> labels,
      Instant createdAt) {
    this(id, name, state, origin, sandboxId, image, imageDigest, parentId, flattened, depth, layer, sizeBytes, labels, createdAt, 0);
  }

  public Snapshot {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    labels = Map.copyOf(labels);
  }

  /** The same snapshot, made: its layer in place. */
  Snapshot ready(String layerName, long size, long uidBase) {
    return new Snapshot(id, name, State.READY, origin, sandboxId, image, imageDigest, parentId, flattened, depth, Optional.of(layerName),
        size, labels, createdAt, uidBase);
  }

  public enum State {
    CREATING, READY;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
