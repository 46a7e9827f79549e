package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real {@code base} image, built with debootstrap into a cache outside the clone
 * ({@code $WARREN_TEST_IMAGES}, else /var/lib/warren/images) so later runs reuse it. The first
 * run builds it (about a minute); a changed recipe builds anew.
 */
class BaseImageTest {
  private static final Path CACHE = Path.of(System.getenv().getOrDefault("WARREN_TEST_IMAGES", "/var/lib/warren/images"));

  private static Image image;
  private static final List<String> first = new CopyOnWriteArrayList<>();
  private static final List<String> second = new CopyOnWriteArrayList<>();

  /** Two instances on one directory, building at once from two threads: one builds, one waits. */
  @BeforeAll
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  static void buildBaseFromTwoThreadsAtOnce() throws Exception {
    try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
      Future<Image> a = threads.submit(() -> Images.open(CACHE).build("base", line -> log(first, "a", line)));
      Future<Image> b = threads.submit(() -> Images.open(CACHE).build("base", line -> log(second, "b", line)));
      image = a.get(20, TimeUnit.MINUTES);
      assertThat(b.get(20, TimeUnit.MINUTES)).isEqualTo(image);
    }
  }

  private static void log(List<String> lines, String thread, String line) {
    lines.add(line);
    System.out.println(thread + " " + line);
  }

  @Test
  void concurrentBuildsBuildOnce() {
    long builders = Stream.of(first, second).filter(lines -> lines.stream().anyMatch(l -> l.contains("I: Retrieving"))).count();
    assertThat(builders).isLessThanOrEqualTo(1);
    if (builders == 1) {
      List<String> waiter = first.stream().anyMatch(l -> l.contains("I: Retrieving")) ? second : first;
      assertThat(waiter).anyMatch(l -> l.contains("waiting for another thread building image base"));
      assertThat(waiter).anyMatch(l -> l.contains("was built meanwhile"));
    }
  }

  @Test
  void aSecondBuildReturnsAtOnceWithTheSameDigest() {
    Images images = Images.open(CACHE);
    long started = System.nanoTime();
    Image again = images.build("base", line -> {});
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(again).isEqualTo(image);
    assertThat(again.digest()).isEqualTo(recipe().digest());
    assertThat(images.require("base")).isEqualTo(image);
    assertThat(images.list()).contains(image);
  }

  @Test
  void theImageIsLaidOutAndMarkedComplete() throws IOException {
    Path imageDir = image.rootfs().getParent();
    assertThat(imageDir).isEqualTo(CACHE.toAbsolutePath().resolve("base").resolve(image.digest().substring(7, 23)));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(imageDir))).isEqualTo("r-xr-xr-x");
    Properties metadata = new Properties();
    try (Reader in = Files.newBufferedReader(imageDir.resolve("image.properties"))) {
      metadata.load(in);
    }
    assertThat(metadata).containsEntry("digest", image.digest()).containsEntry("name", "base").containsEntry("recipe", recipe().canonicalText());
    assertThat(image.sizeBytes()).isBetween(100L << 20, 400L << 20);
    assertThat(image.builtAt()).isBefore(java.time.Instant.now());
  }

  @Test
  void theToolsRunInsideTheImage() throws Exception {
    assertThat(inImage("/usr/bin/tini", "--version")).startsWith("tini version 0.19");
    assertThat(inImage("/bin/bash", "-c", "echo $((6 * 7))")).isEqualTo("42");
    assertThat(inImage("python3", "-B", "-c", "import json; print(json.dumps([1]))")).isEqualTo("[1]");
    assertThat(inImage("curl", "--version")).startsWith("curl ");
    assertThat(inImage("git", "--version")).startsWith("git version ");
    assertThat(inImage("jq", "--version")).startsWith("jq-");
    assertThat(inImage("ip", "-V")).contains("iproute2");
    List<String> query = Stream.concat(Stream.of("dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n"), recipe().packages().stream()).toList();
    assertThat(inImage(query.toArray(String[]::new)).lines())
        .containsExactlyInAnyOrderElementsOf(recipe().packages().stream().map(p -> p + " installed").toList());
  }

  @Test
  void theImageHasItsMountPointsAndNoCachesOrHostState() throws IOException {
    Path rootfs = image.rootfs();
    for (String dir : List.of(".warren", "workspace")) {
      assertThat(rootfs.resolve(dir)).isDirectory().isEmptyDirectory();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve(dir), LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwxr-xr-x");
    }
    assertThat(rootfs.resolve("root")).isDirectory();
    assertThat(filesUnder(rootfs.resolve("var/lib/apt/lists"))).isEmpty();
    assertThat(filesUnder(rootfs.resolve("var/cache/apt/archives"))).noneMatch(p -> p.endsWith(".deb"));
    assertThat(rootfs.resolve("etc/resolv.conf")).isEmptyFile();
    assertThat(rootfs.resolve("etc/hostname")).isEmptyFile();
    assertThat(rootfs.resolve("debootstrap")).doesNotExist();
    assertThat(filesUnder(rootfs.resolve("usr/share/man"))).isEmpty();
    assertThat(filesUnder(rootfs.resolve("usr/share/doc"))).isNotEmpty().allMatch(p -> p.endsWith("/copyright"));
    assertThat(Files.readString(rootfs.resolve("etc/os-release"), StandardCharsets.UTF_8)).contains("VERSION_CODENAME=bookworm");
  }

  @Test
  void nothingIsLeftMountedOrHalfBuilt() throws IOException {
    assertThat(DirectoryImagesTest.mountsBelow(CACHE)).isEmpty();
    try (Stream<Path> children = Files.list(CACHE.resolve("base"))) {
      assertThat(children.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
  }

  private static Recipe recipe() {
    return RecipeFormat.builtIn().getFirst();
  }

  private static List<String> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).map(Path::toString).toList();
    }
  }

  /** Runs a read-only command in the image (nothing mounted, clean environment); its trimmed output. */
  private static String inImage(String... command) throws Exception {
    List<String> argv = Stream.concat(Stream.of("chroot", image.rootfs().toString()), Stream.of(command)).toList();
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", argv, out).isZero();
    return out;
  }
}
