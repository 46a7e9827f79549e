package dev.warren.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.Teardown;
import dev.warren.client.Warren;
import dev.warren.config.Config;
import dev.warren.image.Images;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Warren controller for tests: {@code warren serve} in a child JVM (so it can be killed
 * with SIGKILL and restarted), its own data directory, the shared golden image cache, port 0.
 * {@link #close()} deletes every sandbox, stops the controller and tears down everything the
 * instance made on the host.
 */
public final class TestWarren implements AutoCloseable {
  /** System property: {@code true} starts controllers without the start-up cache even when one was trained (the bench's before). */
  public static final String NO_STARTUP_CACHE = "warren.test.noStartupCache";
  public static final Path IMAGES = Path.of(System.getenv().getOrDefault("WARREN_TEST_IMAGES", "/var/lib/warren/images"));
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static volatile boolean baseBuilt;

  private final Path dataDir;
  private final Path logFile;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process process;
  private URI base;
  private String token;

  /** A response: status, raw body, and the body as JSON when it is JSON. */
  public record Resp(int status, byte[] body, HttpResponse<byte[]> raw) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }

  private TestWarren(Path dataDir, Path logFile, Map<String, String> env) {
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.env = env;
  }

  public static synchronized void ensureBaseImage() {
    if (!baseBuilt) {
      ensureImage("base");
      baseBuilt = true;
    }
  }

  /** Builds the image unless it is cached (the browser image takes a few minutes the first time). */
  public static void ensureImage(String name) {
    Images.open(IMAGES).build(name, line -> System.out.println("[image " + name + "] " + line));
  }

  public static TestWarren start() {
    return start(Map.of());
  }

  public static TestWarren start(Map<String, String> extraEnv) {
    try {
      return startOn(newDataDir(), extraEnv);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh, empty data directory under /tmp (mode 0711), for {@link #startOn}. */
  public static Path newDataDir() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "warren-test-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    return dir;
  }

  /** A controller on {@code dir} (which it deletes when closed), e.g. one a test restored a backup into. */
  public static TestWarren startOn(Path dir, Map<String, String> extraEnv) {
    return startIn(dir, dir.resolve("server.log"), extraEnv);
  }

  /**
   * A controller on a data directory the caller made (e.g. a small filesystem of its own), logging
   * to {@code logFile}. {@link #close()} empties the directory but leaves the directory itself.
   */
  public static TestWarren startIn(Path dataDir, Path logFile, Map<String, String> extraEnv) {
    ensureBaseImage();
    Map<String, String> env = new HashMap<>();
    env.put("WARREN_DATA", dataDir.toString());
    env.put("WARREN_IMAGES", IMAGES.toString());
    env.put("WARREN_LISTEN", "127.0.0.1:0");
    env.put("WARREN_MAX_SANDBOXES", "1000");
    env.putAll(extraEnv);
    TestWarren w = new TestWarren(dataDir, logFile, env);
    try {
      w.launch();
    } catch (RuntimeException | IOException e) {
      w.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
    return w;
  }

  /**
   * {@code 127.0.0.1:<a free port>} for WARREN_LISTEN: a controller restarted on the same port is
   * found again by clients that keep their base URL (the SDK's retries across a restart).
   */
  public static String freeListenAddress() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a host command to its end (60 s at most); fails with its output when it fails. */
  public static String run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Config config() {
    return Config.from(env);
  }

  public Path dataDir() {
    return dataDir;
  }

  public Map<String, String> env() {
    return Map.copyOf(env);
  }

  public URI base() {
    return base;
  }

  public String token() {
    return token;
  }

  public long pid() {
    return process.pid();
  }

  /** The controller's log file. */
  public Path logFile() {
    return logFile;
  }

  /** This data directory's instance (its number, names, subnet), as the controller claimed it. */
  public dev.warren.host.Instance instance() {
    return dev.warren.host.InstanceRegistry.claim(config());
  }

  /** The host-wide name of this data directory's instance ({@code warren<n>}): its bridge, run directory, cgroup parent. */
  public String instanceName() {
    try {
      return "warren" + Files.readString(dataDir.resolve("instance")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() throws IOException {
    Files.deleteIfExists(dataDir.resolve("listen"));
    if (!Files.exists(logFile)) {
      // the controller's own output: private, like every log of it (its start-up check would warn otherwise)
      Files.createFile(logFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-Xmx" + env.getOrDefault("TEST_CONTROLLER_HEAP", "512m"));
    // from the start-up cache when the class path is one trained jar (the bench's), as an installed controller starts
    if (!Boolean.getBoolean(NO_STARTUP_CACHE)) {
      cmd.addAll(dev.warren.ops.AotCache.options(dev.warren.ops.AotCache.thisClassPath(), dev.warren.ops.AotCache.thisJava()));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.warren.Main");
    cmd.add("serve");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_"));
    env.forEach((k, v) -> {
      if (k.startsWith("WARREN_")) {
        pb.environment().put(k, v);
      }
    });
    process = pb.start();
    // a first start migrates the store and makes the mount namespace and the bridge: on a shared host under heavy load, over a minute
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path listen = dataDir.resolve("listen");
    while (!Files.exists(listen)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("warren serve exited with " + process.exitValue() + ":\n" + log(60));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("warren serve did not start within 120 s:\n" + log(60));
      }
      sleep(20);
    }
    base = URI.create("http://" + Files.readString(listen).strip());
    token = Files.readString(dataDir.resolve("token")).strip();
  }

  /** The last {@code lines} lines of the controller's log. */
  public String log(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Stops the controller gracefully (SIGTERM) and starts it again on the same data directory. */
  public void restart() {
    stopProcess(false);
    relaunch();
  }

  /** Kills the controller with SIGKILL and starts it again on the same data directory. */
  public void kill9AndRestart() {
    stopProcess(true);
    relaunch();
  }

  public void stopProcess(boolean kill) {
    if (process == null || !process.isAlive()) {
      return;
    }
    if (kill) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void relaunch() {
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Warren sdk() {
    return Warren.builder().baseUrl(base.toString()).token(token).build();
  }

  public Resp call(String method, String path, String json) {
    return send(method, path, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json),
        Map.of("Content-Type", "application/json"), token);
  }

  public Resp get(String path) {
    return call("GET", path, null);
  }

  public Resp post(String path, String json) {
    return call("POST", path, json);
  }

  public Resp delete(String path) {
    return call("DELETE", path, null);
  }

  public Resp put(String path, byte[] body) {
    return send("PUT", path, HttpRequest.BodyPublishers.ofByteArray(body), Map.of("Content-Type", "application/octet-stream"), token);
  }

  public Resp send(String method, String path, HttpRequest.BodyPublisher body, Map<String, String> headers, String bearer) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(5)).method(method, body);
    headers.forEach(b::header);
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Resp(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage() + "\nserver log:\n" + log(40), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates a sandbox and returns its id, failing the test with the server's answer otherwise. */
  public String createSandbox(String json) {
    Resp r = post("/v1/sandboxes", json);
    assertThat(r.status()).as("create sandbox: %s", r).isEqualTo(201);
    return r.json().path("id").asString();
  }

  /** Runs a shell command through the API; returns the exec answer. */
  public JsonNode exec(String id, String command) {
    Resp r = post("/v1/sandboxes/" + id + "/exec", JSON.createObjectNode().put("command", command).toString());
    assertThat(r.status()).as("exec %s: %s", command, r).isEqualTo(200);
    return r.json();
  }

  public static String json(Object o) {
    return JSON.writeValueAsString(o);
  }

  @Override
  public void close() {
    try {
      if (process != null && process.isAlive()) {
        Resp list = get("/v1/sandboxes");
        if (list.status() == 200) {
          for (JsonNode s : list.json().path("sandboxes")) {
            delete("/v1/sandboxes/" + s.path("id").asString());
          }
        }
      }
    } catch (RuntimeException e) {
      // teardown below removes whatever is left
    } finally {
      stopProcess(false);
      try {
        // patient with the database: a test may have set a short WARREN_DB_TIMEOUT, and the host may be busy
        Map<String, String> teardown = new HashMap<>(env);
        teardown.put("WARREN_DB_TIMEOUT", "60s");
        Teardown.run(Config.from(teardown));
      } finally {
        if (logFile.startsWith(dataDir)) {
          deleteTree(dataDir);
        } else {
          emptyTree(dataDir);
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try {
      new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Deletes what is inside {@code dir} (not crossing into other filesystems), keeping {@code dir}. */
  private static void emptyTree(Path dir) {
    try (var entries = Files.list(dir)) {
      List<String> cmd = new ArrayList<>(List.of("rm", "-rf", "--one-file-system", "--"));
      entries.forEach(p -> cmd.add(p.toString()));
      if (cmd.size() > 4) {
        new ProcessBuilder(cmd).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
