package dev.warren.security;

import dev.warren.Server;
import dev.warren.Teardown;
import dev.warren.config.Config;
import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A controller in the test's own JVM, for tests that need to look inside it (the routes it
 * registered). {@link #close()} stops it, tears down what its instance made and deletes its data
 * directory.
 */
public final class InProcessWarren implements AutoCloseable {
  public final Path dataDir;
  public final Config config;
  public final Server server;
  public final String token;

  private InProcessWarren(Path dataDir, Config config, Server server, String token) {
    this.dataDir = dataDir;
    this.config = config;
    this.server = server;
    this.token = token;
  }

  public static InProcessWarren start(Map<String, String> extra) {
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "warren-inproc-");
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      Map<String, String> env = new HashMap<>(Map.of("WARREN_DATA", dir.toString(), "WARREN_IMAGES", TestWarren.IMAGES.toString(),
          "WARREN_LISTEN", "127.0.0.1:0"));
      env.putAll(extra);
      Config config = Config.from(env);
      Server server = Server.start(config);
      return new InProcessWarren(dir, config, server, Files.readString(dir.resolve("token")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String base() {
    return "http://127.0.0.1:" + server.port();
  }

  @Override
  public void close() {
    try {
      server.close();
      Teardown.run(config);
    } finally {
      try {
        new ProcessBuilder("rm", "-rf", "--one-file-system", dataDir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
