package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Background builds (WARREN_BUILD_IMAGES): while one runs, asking for its image says how far it got
 * instead of "not built". The build itself is a stand-in here (a real one takes minutes and the
 * tests share the image cache); the recipes are the real ones.
 */
class BackgroundBuildsTest {

  /** An empty image directory whose build of any image waits for {@code release}, after one progress line. */
  static final class Held implements Images {
    final Images real;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch started = new CountDownLatch(1);

    Held(Path dir) {
      real = Images.open(dir);
    }

    @Override
    public List<Recipe> recipes() {
      return real.recipes();
    }

    @Override
    public Optional<Image> find(String name) {
      return Optional.empty();
    }

    @Override
    public Image require(String name) {
      throw new ImageException("image " + name + " is not built; run: warren image build " + name);
    }

    @Override
    public Image build(String name, Progress progress) {
      progress.line("debootstrap: retrieving packages");
      started.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new ImageException("stand-in build of " + name + " ends without an image");
    }

    @Override
    public List<Image> list() {
      return List.of();
    }

    @Override
    public Removal remove(String name) {
      return new Removal(List.of(), List.of());
    }
  }

  @Test
  void anImageBeingBuiltIsRefusedWithTheBuildsProgressUntilTheBuildEnds() throws Exception {
    Path dir = Files.createTempDirectory("warren-images-");
    try {
      Held held = new Held(dir);
      BackgroundBuilds images = new BackgroundBuilds(held).start(List.of("browser"));
      assertThat(held.started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> images.require("browser")).isInstanceOf(BackgroundBuilds.BeingBuilt.class)
          .hasMessageContaining("image browser is being built in the background").hasMessageContaining("debootstrap: retrieving packages");
      // another image is not affected
      assertThatThrownBy(() -> images.require("base")).isNotInstanceOf(BackgroundBuilds.BeingBuilt.class).hasMessageContaining("not built");
      held.release.countDown();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> images.progress("browser").isEmpty());
      assertThatThrownBy(() -> images.require("browser")).isNotInstanceOf(BackgroundBuilds.BeingBuilt.class);
    } finally {
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void aNameThatIsNoRecipeIsRefusedNamingTheSetting() throws Exception {
    Path dir = Files.createTempDirectory("warren-images-");
    try {
      assertThatThrownBy(() -> new BackgroundBuilds(new Held(dir)).start(List.of("chromium")))
          .hasMessageContaining("no recipe chromium").hasMessageContaining("WARREN_BUILD_IMAGES");
    } finally {
      Files.deleteIfExists(dir);
    }
  }
}
