package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which ahead-of-time cache options a controller is started with. */
class AotCacheTest {
  static final Path JAVA = Path.of(ProcessHandle.current().info().command().orElseThrow());

  @Test
  void aJarWithoutACacheRecordsOneBesideItAndThenStartsFromIt(@TempDir Path dir) throws Exception {
    Path jar = Files.writeString(dir.resolve("warren.jar"), "not really a jar");
    Files.writeString(dir.resolve("warren.jar-1-2-3.aot"), "the cache of an earlier jar");

    List<String> first = AotCache.options(List.of(jar), JAVA);
    assertThat(first).hasSize(1);
    assertThat(first.getFirst()).startsWith("-XX:AOTCacheOutput=" + dir.resolve("warren.jar-" + Files.size(jar) + "-")).endsWith(".aot");
    assertThat(dir.resolve("warren.jar-1-2-3.aot")).as("an earlier jar's cache is removed").doesNotExist();

    Path cache = Path.of(first.getFirst().substring("-XX:AOTCacheOutput=".length()));
    Files.writeString(cache, "written at the first graceful stop");
    assertThat(AotCache.options(List.of(jar), JAVA)).containsExactly("-XX:AOTCache=" + cache);

    // another jar (a new build) has another name, so a stale cache is never read
    Files.writeString(jar, "a newer build of the jar");
    assertThat(AotCache.options(List.of(jar), JAVA).getFirst()).startsWith("-XX:AOTCacheOutput=");
  }

  @Test
  void aClassPathOfDirectoriesOrOfSeveralJarsGetsNoOption(@TempDir Path dir) throws Exception {
    Path jar = Files.writeString(dir.resolve("a.jar"), "");
    assertThat(AotCache.options(List.of(dir), JAVA)).isEmpty();
    assertThat(AotCache.options(List.of(jar, dir.resolve("b.jar")), JAVA)).isEmpty();
  }
}
