package dev.warren.image;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images that are built in the background once the controller is up ({@code WARREN_BUILD_IMAGES},
 * e.g. {@code browser} after {@code ./warren up}), each on a virtual thread, its progress in the
 * log. While one is being built, {@link #require} of it throws {@link BeingBuilt} naming the build's
 * progress (the API answers 503), instead of "not built". Everything else is the wrapped images'.
 * Thread-safe: the builds' states are in a concurrent map, each written by its build thread.
 */
public final class BackgroundBuilds implements Images {
  private static final Logger log = LoggerFactory.getLogger(BackgroundBuilds.class);

  private final Images images;
  private final Map<String, Status> builds = new ConcurrentHashMap<>();

  /** A build under way: when it started and the last line it printed. */
  record Status(Instant started, String lastLine) {}

  /** The image is being built right now; the message says how far it got. */
  public static final class BeingBuilt extends ImageException {
    BeingBuilt(String message) {
      super(message);
    }
  }

  public BackgroundBuilds(Images images) {
    this.images = images;
  }

  /** Starts building each named image that is not built yet; returns at once. Names that are no recipe are refused. */
  public BackgroundBuilds start(List<String> names) {
    for (String name : names) {
      if (recipes().stream().noneMatch(r -> r.name().equals(name))) {
        throw new ImageException("no recipe " + name + " to build in the background (WARREN_BUILD_IMAGES); the recipes are "
            + recipes().stream().map(Recipe::name).toList());
      }
      if (images.find(name).isPresent() || builds.putIfAbsent(name, new Status(Instant.now(), "starting")) != null) {
        continue;
      }
      Thread.ofVirtual().name("image-build-" + name).start(() -> run(name));
    }
    return this;
  }

  private void run(String name) {
    long t0 = System.nanoTime();
    log.info("image {}: building in the background (a few minutes); browsers and sandboxes of it answer 503 until it is ready", name);
    try {
      Image built = images.build(name, line -> {
        builds.computeIfPresent(name, (k, s) -> new Status(s.started(), line));
        log.info("image {}: {}", name, line);
      });
      log.info("image {}: ready ({} {}, {} s)", name, built.digest(), built.rootfs(), (System.nanoTime() - t0) / 1_000_000_000L);
    } catch (RuntimeException e) {
      log.error("image {}: the background build failed; build it with `warren image build {}`: {}", name, name, e.getMessage());
    } finally {
      builds.remove(name);
    }
  }

  /** How far the build of {@code name} got, while one is under way. */
  public Optional<String> progress(String name) {
    Status s = builds.get(name);
    return s == null ? Optional.empty() : Optional.of("image " + name + " is being built in the background (for "
        + Duration.between(s.started(), Instant.now()).toSeconds() + " s so far; last step: " + s.lastLine() + "); try again in a few minutes");
  }

  @Override
  public Image require(String name) {
    try {
      return images.require(name);
    } catch (ImageException e) {
      Optional<String> p = progress(name);
      if (p.isPresent()) {
        throw new BeingBuilt(p.get());
      }
      throw e;
    }
  }

  @Override
  public List<Recipe> recipes() {
    return images.recipes();
  }

  @Override
  public Optional<Image> find(String name) {
    return images.find(name);
  }

  @Override
  public Optional<Image> find(String name, String digest) {
    return images.find(name, digest);
  }

  @Override
  public Image build(String name, Progress progress) {
    return images.build(name, progress);
  }

  @Override
  public List<Image> list() {
    return images.list();
  }

  @Override
  public Removal remove(String name) {
    return images.remove(name);
  }
}
