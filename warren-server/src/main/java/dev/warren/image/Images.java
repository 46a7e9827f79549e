package dev.warren.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Golden images: recipes shipped in the jar, built with debootstrap into the images directory,
 * keyed by the recipe digest, read-only once built. Thread-safe; concurrent builds of one image
 * (even from several processes sharing the directory) build it once.
 *
 * <p>Layout: {@code <imagesDir>/<name>/<first 16 hex digits of the digest>/rootfs} with
 * {@code image.properties} beside it, written last; builds run in a {@code <hex>.tmp-<random>}
 * sibling and are renamed into place when complete; {@code <imagesDir>/<name>/.lock} serializes
 * builds and removals of one name. Methods taking a name throw {@link ImageException} for a name
 * that is not a recipe (except {@link #remove}, which also removes images of retired recipes).
 */
public interface Images {

  /**
   * Images in {@code imagesDir} (created when first needed) from the built-in recipes. Builds fetch
   * from {@code $WARREN_MIRROR}, else {@code http://deb.debian.org/debian}, unless a recipe pins
   * its own mirror.
   */
  static Images open(Path imagesDir) {
    Objects.requireNonNull(imagesDir, "imagesDir");
    return new DirectoryImages(imagesDir, RecipeFormat.builtIn(), DirectoryImages.mirrorFromEnvironment(), DirectoryImages.BUILD_TIMEOUT);
  }

  /** Images in {@code imagesDir}, built from {@code mirror} (the validated WARREN_MIRROR setting). */
  static Images open(Path imagesDir, String mirror) {
    Objects.requireNonNull(imagesDir, "imagesDir");
    Objects.requireNonNull(mirror, "mirror");
    return new DirectoryImages(imagesDir, RecipeFormat.builtIn(), mirror, DirectoryImages.BUILD_TIMEOUT);
  }

  List<Recipe> recipes();

  /** The built image for the recipe's current digest, if it is built. */
  Optional<Image> find(String name);

  /** The built image of {@code name} with exactly this digest (an older build a sandbox still uses). */
  default Optional<Image> find(String name, String digest) {
    return list().stream().filter(i -> i.name().equals(name) && i.digest().equals(digest)).findFirst();
  }

  /** The built image, or an {@link ImageException} that says how to build it. */
  Image require(String name);

  /**
   * Builds the image unless it is already built; reports progress lines as it goes (each prefixed
   * with the seconds since the call). Blocks while another thread or process builds the same
   * image, then returns what that build made. On failure nothing of the attempt is left on disk.
   */
  Image build(String name, Progress progress);

  /** Every completed image on disk, also those of older recipe digests, by name then build time. */
  List<Image> list();

  /**
   * Removes the built images of {@code name} (every digest), skipping any that a mount on this
   * machine still uses, e.g. a running sandbox's overlay.
   */
  Removal remove(String name);

  /**
   * What the image's config says processes run with (imported images); {@link ImageConfig#NONE}
   * for golden images.
   */
  default ImageConfig config(String name, String digest) {
    return ImageConfig.NONE;
  }

  /** What {@link #remove} deleted and what it left because it is in use. */
  record Removal(List<Image> removed, List<Image> inUse) {
    public Removal {
      removed = List.copyOf(removed);
      inUse = List.copyOf(inUse);
    }
  }

  @FunctionalInterface
  interface Progress {
    void line(String message);
  }
}
