package dev.warren.image;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** {@link Images} in a directory; see the layout on {@link Images}. */
final class DirectoryImages implements Images {
  static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
  private static final String TMP = ".tmp-";

  private final Path dir;
  private final Map<String, Recipe> recipes = new LinkedHashMap<>();
  private final ImageBuilder builder;
  private final Duration lockWait;

  DirectoryImages(Path dir, List<Recipe> recipes, String defaultMirror, Duration buildTimeout) {
    this.dir = dir.toAbsolutePath().normalize();
    for (Recipe recipe : recipes) {
      if (this.recipes.putIfAbsent(recipe.name(), recipe) != null) {
        throw new ImageException("two recipes are called '" + recipe.name() + "'");
      }
    }
    this.builder = new ImageBuilder(defaultMirror, buildTimeout);
    this.lockWait = buildTimeout.multipliedBy(2).plusMinutes(1);
  }

  static String mirrorFromEnvironment() {
    String mirror = System.getenv("WARREN_MIRROR");
    if (mirror == null || mirror.isBlank()) {
      return DEFAULT_MIRROR;
    }
    try {
      String scheme = URI.create(mirror.strip()).getScheme();
      if (scheme != null && scheme.matches("https?|file")) {
        return mirror.strip();
      }
    } catch (IllegalArgumentException e) {
      // reported below with the value
    }
    throw new ImageException("WARREN_MIRROR='" + mirror + "' is not an http(s) or file URL of a Debian archive");
  }

  @Override
  public List<Recipe> recipes() {
    return List.copyOf(recipes.values());
  }

  @Override
  public Optional<Image> find(String name) {
    Recipe recipe = recipe(name);
    return ImageMetadata.read(dir.resolve(name).resolve(ImageBuilder.dirName(recipe)))
        .filter(image -> image.digest().equals(recipe.digest()));
  }

  @Override
  public Image require(String name) {
    return find(name).orElseThrow(() -> new ImageException(
        "image '" + name + "' is not built; run: warren image build " + name));
  }

  @Override
  public Image build(String name, Progress progress) {
    Objects.requireNonNull(progress, "progress");
    Optional<Image> built = find(name);
    if (built.isPresent()) {
      return built.get();
    }
    Recipe recipe = recipe(name);
    long started = System.nanoTime();
    Progress timed = line -> progress.line(String.format("[%3ds] %s", Duration.ofNanos(System.nanoTime() - started).toSeconds(), line));
    try (NameLock _ = NameLock.acquire(dir.resolve(name), lockWait, timed)) {
      built = find(name);
      if (built.isPresent()) {
        timed.line("image " + name + " was built meanwhile by the build we waited for");
        return built.get();
      }
      removeLeftovers(dir.resolve(name), timed);
      removeIncomplete(dir.resolve(name).resolve(ImageBuilder.dirName(recipe)), timed);
      return builder.build(recipe, dir.resolve(name), timed);
    }
  }

  @Override
  public List<Image> list() {
    List<Image> images = new ArrayList<>();
    for (Path nameDir : children(dir)) {
      for (Path imageDir : children(nameDir)) {
        if (!imageDir.getFileName().toString().contains(TMP)) {
          ImageMetadata.read(imageDir).ifPresent(images::add);
        }
      }
    }
    images.sort(Comparator.comparing(Image::name).thenComparing(Image::builtAt));
    return List.copyOf(images);
  }

  @Override
  public Removal remove(String name) {
    if (!name.matches("[a-z][a-z0-9-]{0,31}")) {
      throw new ImageException("'" + name + "' is not an image name");
    }
    Path nameDir = dir.resolve(name);
    if (!Files.isDirectory(nameDir)) {
      return new Removal(List.of(), List.of());
    }
    List<Image> removed = new ArrayList<>();
    List<Image> inUse = new ArrayList<>();
    try (NameLock _ = NameLock.acquire(nameDir, lockWait, line -> {})) {
      for (Path imageDir : children(nameDir)) {
        if (imageDir.getFileName().toString().contains(TMP)) {
          continue;
        }
        Optional<Image> image = ImageMetadata.read(imageDir);
        if (image.isEmpty()) {
          continue;
        }
        if (Mounts.inUse(imageDir)) {
          inUse.add(image.get());
        } else {
          Trees.delete(imageDir);
          removed.add(image.get());
        }
      }
    }
    return new Removal(removed, inUse);
  }

  private Recipe recipe(String name) {
    Objects.requireNonNull(name, "name");
    Recipe recipe = recipes.get(name);
    if (recipe == null) {
      throw new ImageException("unknown image '" + name + "'; known images: " + String.join(", ", recipes.keySet()));
    }
    return recipe;
  }

  /** Builds killed before their rename leave {@code *.tmp-*} directories; we hold the lock, so none is alive. */
  private static void removeLeftovers(Path nameDir, Progress progress) {
    for (Path child : children(nameDir)) {
      if (child.getFileName().toString().contains(TMP)) {
        progress.line("removing " + child + ", left by a build that did not finish");
        Trees.delete(child);
      }
    }
  }

  /**
   * The final directory can only be there without an image if its metadata was lost (by hand, or a
   * disk fault); it was never a complete image, so it goes unless something mounts it.
   */
  private static void removeIncomplete(Path imageDir, Progress progress) {
    if (!Files.exists(imageDir)) {
      return;
    }
    Optional<Image> other = ImageMetadata.read(imageDir);
    if (other.isPresent()) {
      throw new ImageException(imageDir + " holds image " + other.get().digest() + ", whose digest shares its first 16 digits"
          + " with the recipe's; remove it: warren image remove " + other.get().name());
    }
    if (Mounts.inUse(imageDir)) {
      throw new ImageException(imageDir + " has no " + ImageMetadata.FILE + " but is mounted; stop what uses it, then build again");
    }
    progress.line("removing " + imageDir + ", which has no " + ImageMetadata.FILE);
    Trees.delete(imageDir);
  }

  private static List<Path> children(Path parent) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent, p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))) {
      stream.forEach(children::add);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new ImageException("cannot list " + parent, e);
    }
    children.sort(Comparator.naturalOrder());
    return children;
  }
}
