package dev.warren.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An image as the server reported it.
 *
 * @param kind {@code builtin} (a recipe; {@code built} says whether it is on disk) or {@code user}
 * @param digest a user image's config digest; a built-in image's recipe digest
 * @param layers a user image's layer digests (uncompressed), bottom first
 * @param env a user image's environment, which sandboxes made from it start with
 * @param usedBy the sandboxes made from a user image
 * @param source where a user image came from: {@code import} or the registry reference it was pulled from
 */
public record ImageInfo(String name, String kind, String digest, boolean built, Optional<Long> sizeBytes, Optional<Instant> createdAt,
    List<String> layers, Map<String, String> env, Optional<String> workingDir, List<String> usedBy, Optional<String> source) {
  public ImageInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(sizeBytes, "sizeBytes");
    Objects.requireNonNull(createdAt, "createdAt");
    layers = List.copyOf(layers);
    env = Map.copyOf(env);
    Objects.requireNonNull(workingDir, "workingDir");
    usedBy = List.copyOf(usedBy);
    Objects.requireNonNull(source, "source");
  }
}
