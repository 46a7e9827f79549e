package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Images in a throw-away directory under /tmp; builds here fail on purpose, quickly. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DirectoryImagesTest {
  private static final Recipe UNREACHABLE =
      Recipe.of("unreachable", "its archive does not exist", "bookworm", "minbase", List.of("bash"), "", Optional.of("file:///nonexistent-warren-mirror"));

  private Path root;
  private Path imagesDir;
  private final List<String> progress = new CopyOnWriteArrayList<>();

  @BeforeEach
  void createDirectory() throws IOException {
    root = Files.createTempDirectory(Path.of("/tmp"), "warren-images-test-");
    imagesDir = root.resolve("images");
  }

  @AfterEach
  void deleteDirectory() {
    Trees.delete(root);
    assertThat(Mounts.under(Path.of("/tmp"))).noneMatch(p -> p.startsWith(root));
  }

  private Images images(Recipe... recipes) {
    return new DirectoryImages(imagesDir, List.of(recipes), DirectoryImages.DEFAULT_MIRROR, Duration.ofMinutes(1));
  }

  @Test
  void requireOnAnUnbuiltImageSaysHowToBuildIt() {
    Images images = new DirectoryImages(imagesDir, RecipeFormat.builtIn(), DirectoryImages.DEFAULT_MIRROR, Duration.ofMinutes(1));

    assertThat(images.find("browser")).isEmpty();
    assertThatThrownBy(() -> images.require("browser"))
        .isInstanceOf(ImageException.class)
        .hasMessage("image 'browser' is not built; run: warren image build browser");
    assertThatThrownBy(() -> images.require("foo")).hasMessage("unknown image 'foo'; known images: base, browser");
    assertThatThrownBy(() -> images.build("foo", progress::add)).hasMessage("unknown image 'foo'; known images: base, browser");
    assertThat(images.list()).isEmpty();
  }

  @Test
  void aFailedBuildReportsDebootstrapsErrorAndLeavesNothingBehind() throws IOException {
    Recipe broken = Recipe.of("broken", "names a package Debian lacks", "bookworm", "minbase", List.of("bash", "warren-no-such-package"), "true", Optional.empty());
    Images images = images(broken);

    assertThatThrownBy(() -> images.build("broken", progress::add))
        .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.toolOutput()).contains("E: Couldn't find these debs: warren-no-such-package"))
        .hasMessageContaining("debootstrap for image 'broken' exited with code 1")
        .hasMessageContaining("then run: warren image build broken")
        .hasMessageContaining("E: Couldn't find these debs: warren-no-such-package");

    assertThat(progress).anyMatch(line -> line.matches("\\[ *\\d+s] I: Retrieving .*"));
    assertThat(entries(imagesDir.resolve("broken"))).containsExactly(".lock");
    assertThat(mountsBelow(root)).isEmpty();
    assertThat(images.find("broken")).isEmpty();
  }

  @Test
  void aKilledBuildsLeftoversAreRemovedWithTheirMountsAtTheNextBuild() throws Exception {
    Path leftover = imagesDir.resolve("unreachable").resolve(ImageBuilder.dirName(UNREACHABLE) + ".tmp-dead");
    Path proc = Files.createDirectories(leftover.resolve("rootfs/proc"));
    Files.writeString(leftover.resolve("rootfs/half-written"), "x");
    run("mount", "-t", "tmpfs", "-o", "size=1m", "warren-test-leftover", proc.toString());
    Files.writeString(proc.resolve("on-the-mount"), "must not be deleted through the mount point");
    assertThat(mountsBelow(root)).containsExactly(proc.toRealPath().toString());

    assertThatThrownBy(() -> images(UNREACHABLE).build("unreachable", progress::add))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("file:///nonexistent-warren-mirror");

    assertThat(progress).anyMatch(line -> line.contains("removing " + leftover + ", left by a build that did not finish"));
    assertThat(leftover).doesNotExist();
    assertThat(entries(imagesDir.resolve("unreachable"))).containsExactly(".lock");
    assertThat(mountsBelow(root)).isEmpty();
  }

  @Test
  void anImageDirectoryWithoutMetadataIsNotAnImageAndIsReplacedByTheNextBuild() throws Exception {
    Path damaged = Files.createDirectories(imagesDir.resolve("unreachable").resolve(ImageBuilder.dirName(UNREACHABLE)).resolve("rootfs/etc"));
    Images images = images(UNREACHABLE);
    assertThat(images.find("unreachable")).isEmpty();

    assertThatThrownBy(() -> images.build("unreachable", progress::add)).isInstanceOf(ImageException.class);

    assertThat(progress).anyMatch(line -> line.contains("which has no image.properties"));
    assertThat(damaged.getParent().getParent()).doesNotExist();
  }

  @Test
  void aBuildWaitsForAnotherProcessHoldingTheLockAndReturnsWhatThatProcessBuilt() throws Exception {
    Path nameDir = Files.createDirectories(imagesDir.resolve("unreachable"));
    Path finished = Files.createDirectories(root.resolve("finished"));
    Files.createDirectories(finished.resolve("rootfs/usr/bin"));
    ImageMetadata.write(finished, UNREACHABLE, "file:///nonexistent-warren-mirror", Instant.now(), 0, 0);
    Process holder = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            LockHolder.class.getName(),
            nameDir.resolve(".lock").toString(), finished.toString(), nameDir.resolve(ImageBuilder.dirName(UNREACHABLE)).toString(), "1500")
        .redirectErrorStream(true)
        .start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("locked");

      long started = System.nanoTime();
      Image image = images(UNREACHABLE).build("unreachable", progress::add);
      Duration waited = Duration.ofNanos(System.nanoTime() - started);

      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(holder.exitValue()).isZero();
      assertThat(waited).isGreaterThan(Duration.ofMillis(800));
      assertThat(image.digest()).isEqualTo(UNREACHABLE.digest());
      assertThat(image.rootfs()).isEqualTo(nameDir.resolve(ImageBuilder.dirName(UNREACHABLE)).resolve("rootfs"));
      assertThat(progress).anyMatch(line -> line.contains("waiting for process " + holder.pid() + " building image unreachable"));
      assertThat(progress).anyMatch(line -> line.contains("was built meanwhile"));
      assertThat(progress).noneMatch(line -> line.contains("debootstrap"));
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void removeDeletesBuiltImagesButSkipsOnesInUse() throws Exception {
    Path imageDir = Files.createDirectories(imagesDir.resolve("unreachable").resolve(ImageBuilder.dirName(UNREACHABLE)));
    Files.createDirectories(imageDir.resolve("rootfs/etc"));
    Files.writeString(imageDir.resolve("rootfs/etc/os-release"), "ID=debian\n");
    ImageMetadata.write(imageDir, UNREACHABLE, "file:///nonexistent-warren-mirror", Instant.now(), 10, 0);
    Images images = images(UNREACHABLE);
    Image image = images.require("unreachable");
    assertThat(images.list()).containsExactly(image);

    Path lower = Files.createDirectories(root.resolve("sandbox-lower"));
    run("mount", "--bind", "-o", "ro", imageDir.resolve("rootfs").toString(), lower.toString());
    try {
      assertThat(images.remove("unreachable")).isEqualTo(new Images.Removal(List.of(), List.of(image)));
      assertThat(imageDir.resolve("rootfs/etc/os-release")).exists();
    } finally {
      run("umount", lower.toString());
    }

    assertThat(images.remove("unreachable")).isEqualTo(new Images.Removal(List.of(image), List.of()));
    assertThat(imageDir).doesNotExist();
    assertThat(images.find("unreachable")).isEmpty();
    assertThat(images.list()).isEmpty();
  }

  /** Read straight from /proc/self/mountinfo (the mount point is the fifth field), not through {@link Mounts}. */
  static List<String> mountsBelow(Path dir) throws IOException {
    String real = dir.toRealPath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> line.split(" ")[4])
        .filter(p -> p.equals(real) || p.startsWith(real + "/"))
        .toList();
  }

  private static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", List.of(command), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
  }
}
