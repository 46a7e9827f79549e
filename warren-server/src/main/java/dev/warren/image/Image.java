package dev.warren.image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * A built golden image: a read-only root filesystem made from a recipe.
 *
 * @param digest {@code sha256:…} of the recipe that built it; a changed recipe is a new image
 * @param rootfs the directory sandboxes use as their overlay lower layer; never written to
 */
public record Image(String name, String digest, Path rootfs, Instant builtAt, long sizeBytes) {
  public Image {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(rootfs, "rootfs");
    Objects.requireNonNull(builtAt, "builtAt");
  }
}
