package dev.warren.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which start-up cache a controller reads: only one trained for its very jar and JVM. */
class AotCacheTest {
  @TempDir
  Path dir;

  private final Path java = AotCache.thisJava();

  @Test
  void aSelfContainedJarWithoutATrainedCacheGetsNoOptionAndOneTrainedForItIsRead() throws IOException {
    Path jar = jar("warren.jar", null);
    Path cache = AotCache.cacheFor(List.of(jar), java).orElseThrow();
    assertThat(cache.getParent()).isEqualTo(dir);
    assertThat(cache.getFileName().toString()).startsWith("warren.jar-" + Files.size(jar) + "-").endsWith(".aot");
    assertThat(AotCache.options(List.of(jar), java)).isEmpty();

    Files.writeString(cache, "trained");
    assertThat(AotCache.options(List.of(jar), java)).containsExactly("-XX:AOTCache=" + cache, "-Xlog:aot=off,cds=off");
  }

  @Test
  void aNewBuildOfTheJarNeverReadsTheCacheOfTheOldOne() throws IOException {
    Path jar = jar("warren.jar", null);
    Path old = AotCache.cacheFor(List.of(jar), java).orElseThrow();
    Files.writeString(old, "trained");
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 5000));

    assertThat(AotCache.cacheFor(List.of(jar), java).orElseThrow()).isNotEqualTo(old);
    assertThat(AotCache.options(List.of(jar), java)).isEmpty();
  }

  @Test
  void directoriesSeveralEntriesOrAJarNamingOthersInItsManifestHaveNoCache() throws IOException {
    Path jar = jar("warren.jar", null);
    assertThat(AotCache.cacheFor(List.of(dir), java)).isEmpty();
    assertThat(AotCache.cacheFor(List.of(jar, jar("other.jar", null)), java)).isEmpty();
    assertThat(AotCache.cacheFor(List.of(jar("launcher.jar", "classes/ lib/a.jar")), java)).isEmpty();
    assertThat(AotCache.cacheFor(List.of(dir.resolve("missing.jar")), java)).isEmpty();
  }

  private Path jar(String name, String classPath) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.warren.Main");
    if (classPath != null) {
      m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
    }
    Path jar = dir.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
      out.flush();
    }
    return jar;
  }
}
