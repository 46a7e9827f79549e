package dev.warren.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Golden images: recipes shipped in the jar, built with debootstrap into the images directory,
 * keyed by the recipe digest, read-only once built. Thread-safe; concurrent builds of one image
 * (even from several processes sharing the directory) build it once.
 */
public interface Images {

  static Images open(Path imagesDir) {
    throw new UnsupportedOperationException("images not built yet");
  }

  List<Recipe> recipes();

  /** The built image for the recipe's current digest, if it is built. */
  Optional<Image> find(String name);

  /** The built image of {@code name} with exactly this digest (an older build a sandbox still uses). */
  default Optional<Image> find(String name, String digest) {
    return find(name).filter(i -> i.digest().equals(digest));
  }

  /** The built image, or an {@link ImageException} that says how to build it. */
  Image require(String name);

  /** Builds the image unless it is already built; reports progress lines as it goes. */
  Image build(String name, Progress progress);

  @FunctionalInterface
  interface Progress {
    void line(String message);
  }
}
