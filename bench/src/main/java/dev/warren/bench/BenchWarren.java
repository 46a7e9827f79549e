package dev.warren.bench;

import dev.warren.Server;
import dev.warren.Teardown;
import dev.warren.client.Sandbox;
import dev.warren.client.Warren;
import dev.warren.config.Config;
import dev.warren.host.Instance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Warren controller started in this JVM for the benchmark, on its own data directory (mode
 * 0711, as sandboxes reach their root filesystem as unprivileged uids) and an ephemeral port, with
 * an SDK client that does not retry (a retry would hide a failure inside a latency).
 * {@link #close()} deletes every sandbox, stops the controller, tears down everything the instance
 * made on the host and deletes the data directory. Idempotent.
 */
final class BenchWarren implements AutoCloseable {
  static final Path IMAGES = Path.of("/var/lib/warren/images");

  private final Path dataDir;
  private final Config config;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Server server;
  private Warren client;
  private String token;

  private BenchWarren(Path dataDir, Config config) {
    this.dataDir = dataDir;
    this.config = config;
  }

  static BenchWarren start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  /** A controller with extra settings, e.g. {@code WARREN_BROWSER_POOL}. */
  static BenchWarren start(Path dataDir, Map<String, String> settings) {
    try {
      Files.createDirectories(dataDir);
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
    }
    Map<String, String> env = new java.util.HashMap<>(settings);
    env.putAll(Map.of(
        "WARREN_DATA", dataDir.toString(),
        "WARREN_IMAGES", IMAGES.toString(),
        "WARREN_LISTEN", "127.0.0.1:0"));
    Config config = Config.from(env);
    BenchWarren w = new BenchWarren(dataDir, config);
    try {
      w.server = Server.start(config);
      w.token = Files.readString(dataDir.resolve("token")).strip();
      w.client = Warren.builder().baseUrl(w.baseUri().toString()).token(w.token)
          .maxAttempts(1).requestTimeout(Duration.ofMinutes(2)).build();
      return w;
    } catch (IOException | RuntimeException e) {
      try {
        w.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  Warren client() {
    return client;
  }

  /** Where the controller's HTTP API listens, for clients that do not use the SDK. */
  URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  /** The bearer token of the controller's API. */
  String token() {
    return token;
  }

  Instance instance() {
    return server.instance();
  }

  Path dataDir() {
    return dataDir;
  }

  /** What this instance's sandboxes hold on the host right now. */
  HostCensus census() {
    Instance i = instance();
    Path run = Path.of("/run/warren", i.name());
    return HostCensus.take(new HostCensus.Scope(dataDir.toString(), Optional.of(run.resolve("mntns")),
        Optional.of(i.name() + "-"), Optional.of(i.ifPrefix() + "v"), "warren/" + i.name(), run.resolve("crun"),
        dataDir.resolve("sandboxes")));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    if (client != null) {
      try {
        List<Sandbox> left = client.sandboxes().list();
        for (Sandbox s : left) {
          client.sandboxes().delete(s.id());
        }
      } catch (RuntimeException e) {
        failure = e;
      }
      client.close();
    }
    if (server != null) {
      server.close();
    }
    try {
      Teardown.run(config);
    } catch (RuntimeException e) {
      failure = add(failure, e);
    }
    try {
      Process p = new ProcessBuilder("rm", "-rf", "--one-file-system", dataDir.toString()).inheritIO().start();
      if (!p.waitFor(Duration.ofMinutes(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        failure = add(failure, new IllegalStateException("rm -rf " + dataDir + " did not finish cleanly"));
      }
    } catch (IOException e) {
      failure = add(failure, new UncheckedIOException(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = add(failure, new IllegalStateException("interrupted while deleting " + dataDir, e));
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** {@code first} with {@code next} suppressed in it, or {@code next} when there is no first failure yet. */
  static RuntimeException add(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }
}
