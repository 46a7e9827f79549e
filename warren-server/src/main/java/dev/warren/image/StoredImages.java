package dev.warren.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The images a sandbox can be made from: the golden images of the built-in recipes, by recipe
 * name, and the user images of the store, by {@code name[:tag]}. A recipe's name always means the
 * recipe. Thread-safe as its two parts are.
 */
public final class StoredImages implements Images {
  /** The name of a build step's image referenced by its digest, {@code sha256:<the first 56 hex digits>} ({@link #stepReference}). */
  private static final String STEP = "sha256";
  private final Images builtIn;
  private final ImageStore store;

  public StoredImages(Images builtIn, ImageStore store) {
    this.builtIn = Objects.requireNonNull(builtIn, "builtIn");
    this.store = Objects.requireNonNull(store, "store");
  }

  /** How a sandbox names the untagged image of a build step: its digest, cut to the 64 characters an image name has. */
  public static String stepReference(String digest) {
    return digest.substring(0, ImageRef.MAX_LENGTH - 1);
  }

  public ImageStore store() {
    return store;
  }

  public Images builtIn() {
    return builtIn;
  }

  private boolean isRecipe(String name) {
    return builtIn.recipes().stream().anyMatch(r -> r.name().equals(name));
  }

  /** The user image reference {@code name} parses to, if it is one and not a recipe. */
  private Optional<ImageRef> user(String name) {
    if (isRecipe(name)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ImageRef.parse("image", name));
    } catch (dev.warren.error.WarrenException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<Recipe> recipes() {
    return builtIn.recipes();
  }

  @Override
  public Optional<Image> find(String name) {
    Optional<ImageRef> ref = user(name);
    if (ref.isEmpty()) {
      return builtIn.find(name);
    }
    if (ref.get().name().equals(STEP)) {
      // a build step's untagged image, named by its digest (cut to fit a sandbox's image name): what a build's RUN sandbox starts from
      return store.stepByDigest("sha256:" + ref.get().tag()).flatMap(i -> image(name, i.digest()));
    }
    return store.find(ref.get()).flatMap(i -> image(name, i.digest()));
  }

  @Override
  public Optional<Image> find(String name, String digest) {
    return user(name).isPresent() ? image(name, digest) : builtIn.find(name, digest);
  }

  private Optional<Image> image(String name, String digest) {
    return store.rootfsOf(digest).map(rootfs -> {
      Optional<UserImage> row = store.byDigest(digest).or(() -> store.stepByDigest(digest));
      return new Image(name, digest, rootfs, row.map(UserImage::createdAt).orElse(java.time.Instant.EPOCH),
          row.map(UserImage::sizeBytes).orElse(0L));
    });
  }

  @Override
  public Image require(String name) {
    if (user(name).isEmpty() && isRecipe(name)) {
      return builtIn.require(name);
    }
    return find(name).orElseThrow(() -> new ImageException("unknown image '" + name + "'; known images: "
        + String.join(", ", recipes().stream().map(Recipe::name).toList()) + " and those GET /v1/images lists; import your own with"
        + " POST /v1/images/import (warren image import FILE NAME)"));
  }

  @Override
  public Image build(String name, Progress progress) {
    return builtIn.build(name, progress);
  }

  @Override
  public List<Image> list() {
    List<Image> out = new ArrayList<>(builtIn.list());
    for (UserImage i : store.list()) {
      image(i.ref().toString(), i.digest()).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public Removal remove(String name) {
    return builtIn.remove(name);
  }

  @Override
  public ImageConfig config(String name, String digest) {
    if (user(name).isEmpty()) {
      return ImageConfig.NONE;
    }
    return store.byDigest(digest).or(() -> store.stepByDigest(digest)).map(UserImage::config).orElse(ImageConfig.NONE);
  }
}
