package dev.warren.image;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An imported or pulled image as the store keeps it.
 *
 * @param digest {@code sha256:…} of its OCI config: two tags of the same image share it
 * @param layers the digests of its layers (uncompressed, the OCI diff_ids), bottom first
 * @param sizeBytes the bytes of its layers' files
 * @param source where it came from: {@code import} or the registry reference it was pulled from
 */
public record UserImage(ImageRef ref, String digest, List<String> layers, ImageConfig config, long sizeBytes, String source, Instant createdAt) {
  public UserImage {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(digest, "digest");
    layers = List.copyOf(layers);
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** The hex of the digest: the name of its root filesystem on disk. */
  String hex() {
    return digest.substring("sha256:".length());
  }
}
