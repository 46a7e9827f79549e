package dev.warren.ops;

import dev.warren.Teardown;
import dev.warren.config.Config;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The ahead-of-time cache (JDK 25, JEP 483/514/515) a controller starts from: the classes a start
 * loads and links, and their profiles, read from one file instead of the jar. It halves the CPU a
 * start costs, which is what a controller killed at any moment pays before it serves again.
 *
 * <p>The cache sits beside the jar, named after the jar's size and time and the JVM's
 * ({@code warren.jar-<size>-<mtime>-<jvm mtime>.aot}), so a new jar or JVM never reads a stale
 * one; only a class path of one jar can have one. A running controller only ever <em>reads</em> a
 * cache: it is trained beforehand by {@link #train}, which starts a throwaway controller (its own
 * data directory, images directory and instance, no configuration file) under
 * {@code -XX:AOTCacheOutput}, waits for {@code /readyz}, reads a few API routes, stops it
 * gracefully (the JVM writes the cache as it exits), tears its instance down and renames the
 * finished file into place. {@code ./warren up} and {@code warren aot} train; a controller without
 * a cache simply starts slower. Stateless; {@link #train} runs one training at a time per call.
 */
public final class AotCache {
  private static final Duration READY = Duration.ofMinutes(2);
  private static final Duration WRITE = Duration.ofMinutes(4);

  private AotCache() {}

  /** The JVM options for a controller run from {@code classpath} by {@code java}: the cache when one was trained. */
  public static List<String> options(List<Path> classpath, Path java) {
    return cacheFor(classpath, java).filter(Files::isRegularFile).map(AotCache::use).orElse(List.of());
  }

  /**
   * The options that read {@code cache}; a cache the JVM cannot use (other JVM options than at its
   * training) is skipped without the error lines it would print on every start.
   */
  static List<String> use(Path cache) {
    return List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off,cds=off");
  }

  /**
   * Where the cache of this jar and JVM is (or would be); empty unless the class path is one
   * self-contained jar (the JVM caches classes of jars only, not those a manifest's
   * {@code Class-Path} may name in directories).
   */
  public static Optional<Path> cacheFor(List<Path> classpath, Path java) {
    if (classpath.size() != 1 || !classpath.getFirst().toString().endsWith(".jar") || !Files.isRegularFile(classpath.getFirst())) {
      return Optional.empty();
    }
    try (JarFile jf = new JarFile(classpath.getFirst().toFile())) {
      if (jf.getManifest() != null && jf.getManifest().getMainAttributes().getValue("Class-Path") != null) {
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    try {
      Path jar = classpath.getFirst().toAbsolutePath().normalize();
      long jvm = Files.getLastModifiedTime(java.toRealPath()).toMillis() / 1000;
      return Optional.of(jar.resolveSibling(jar.getFileName() + "-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() / 1000
          + "-" + jvm + ".aot"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The class path and java binary of this JVM. */
  public static List<Path> thisClassPath() {
    List<Path> cp = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      cp.add(Path.of(e).toAbsolutePath().normalize());
    }
    return cp;
  }

  public static Path thisJava() {
    return Path.of(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
  }

  /** {@link #train(List, Path, Optional, Consumer)} without sandboxes: only the start of an empty controller is trained. */
  public static Path train(List<Path> classpath, Path java, Consumer<String> progress) {
    return train(classpath, java, Optional.empty(), progress);
  }

  /**
   * Trains the cache of {@code classpath} and {@code java} unless it exists; returns where it is.
   * Needs root (the throwaway controller makes its bridge and namespaces like any other).
   *
   * <p>With {@code images} (a directory of built golden images, only read), the training is the
   * restart the cache is for: a first throwaway controller makes two sandboxes, one with a shell
   * session, and is killed (SIGKILL); the controller that writes the cache adopts them, runs a
   * command in each way, and stops. Then the classes, lambdas and profiles of adoption, exec and
   * sessions come from the cache as well, not only those of an empty start. Without a base image
   * there the training goes on without sandboxes and says so.
   *
   * @throws IllegalStateException naming the step that failed; what the training made is removed
   */
  public static Path train(List<Path> classpath, Path java, Optional<Path> images, Consumer<String> progress) {
    Path cache = cacheFor(classpath, java).orElseThrow(() -> new IllegalStateException(
        "no ahead-of-time cache for a class path that is not one jar: " + classpath));
    if (Files.isRegularFile(cache)) {
      return cache;
    }
    long t0 = System.nanoTime();
    Path part = cache.resolveSibling(cache.getFileName() + ".part");
    Path tmp;
    try {
      // traversable (not listable) by others: the sandboxes' unprivileged uids must reach their root filesystems
      tmp = Files.createTempDirectory("warren-aot-");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot make a directory for the training: " + e.getMessage(), e);
    }
    Map<String, String> env = Map.of("WARREN_DATA", tmp.resolve("data").toString(),
        "WARREN_IMAGES", images.orElse(tmp.resolve("images")).toString(),
        "WARREN_LISTEN", "127.0.0.1:0", "WARREN_BUILD_IMAGES", "", "WARREN_LOG_DIR", "off", "WARREN_DISK_POOL", "0",
        "WARREN_CONFIG", tmp.resolve("none.conf").toString());
    Process p = null;
    try {
      Files.writeString(tmp.resolve("none.conf"), "");
      Files.deleteIfExists(part);
      progress.accept("training the start-up cache " + cache.getFileName() + (images.isPresent()
          ? " (a throwaway controller makes two sandboxes and is killed, a second one adopts them and stops, ~30 s)"
          : " (a throwaway controller starts and stops once, ~30 s)"));
      Optional<Training> made = Optional.empty();
      if (images.isPresent()) {
        p = controller(java, classpath, Optional.empty(), env, tmp.resolve("console-1.log"));
        made = prepare(tmp.resolve("data"), p, progress);
        // what the cache is for: the restart after a kill
        p.destroyForcibly().waitFor();
        p = null;
      }
      p = controller(java, classpath, Optional.of(part), env, tmp.resolve("console.log"));
      if (!exercise(tmp.resolve("data"), p, made)) {
        throw new IllegalStateException("the training controller was not ready within " + READY.toSeconds() + " s"
            + (p.isAlive() ? "" : " (it exited with " + p.exitValue() + ")") + ": " + tail(tmp.resolve("console.log")));
      }
      p.destroy();
      if (!p.waitFor(WRITE.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the training controller did not exit within " + WRITE.toMinutes() + " min of its stop");
      }
      if (!Files.isRegularFile(part) || Files.size(part) == 0) {
        throw new IllegalStateException("the JVM wrote no cache (exit " + p.exitValue() + "): " + tail(tmp.resolve("console.log")));
      }
      // readable by every user, as the jar is: a CLI run by another user starts from it too
      Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(part, cache, StandardCopyOption.ATOMIC_MOVE);
      removeOthers(cache);
      progress.accept(String.format("start-up cache ready in %.0f s: %s (%d MiB)", (System.nanoTime() - t0) / 1e9, cache,
          Files.size(cache) >> 20));
      return cache;
    } catch (IOException e) {
      throw new IllegalStateException("cannot train the start-up cache: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while training the start-up cache", e);
    } finally {
      try {
        if (p != null && p.isAlive()) {
          // the teardown below needs the data directory's lock it holds
          p.destroyForcibly().waitFor(WRITE.toMillis(), TimeUnit.MILLISECONDS);
        }
        Files.deleteIfExists(part);
        if (Files.exists(tmp.resolve("data").resolve("instance"))) {
          Teardown.run(Config.from(env));
        }
        deleteTree(tmp);
      } catch (IOException | RuntimeException e) {
        progress.accept("could not remove everything the training made under " + tmp + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        progress.accept("interrupted while removing what the training made under " + tmp);
      }
    }
  }

  /** A throwaway controller ({@code serve}) writing the cache to {@code output} when it exits, if given; its output to {@code console}. */
  private static Process controller(Path java, List<Path> classpath, Optional<Path> output, Map<String, String> env, Path console)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED"));
    output.ifPresent(o -> cmd.add("-XX:AOTCacheOutput=" + o));
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList()), "dev.warren.Main", "serve"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("WARREN_") || k.startsWith("JAVA_TOOL") || k.startsWith("JDK_JAVA"));
    pb.environment().putAll(env);
    return pb.start();
  }

  /** The sandbox and shell session the first controller made for the second to adopt. */
  private record Training(String sandbox, String session) {}

  /**
   * Makes two sandboxes of the base image, one with a shell session, on the first controller;
   * empty (said on {@code progress}) when it is not ready or cannot make them (no base image).
   */
  private static Optional<Training> prepare(Path data, Process p, Consumer<String> progress) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Optional<URI> base = ready(http, data, p);
    if (base.isEmpty()) {
      progress.accept("the training goes on without sandboxes: its first controller was not ready");
      return Optional.empty();
    }
    String token = Files.readString(data.resolve("token")).strip();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = call(http, base.get(), token, "POST", "/v1/sandboxes", "{\"labels\": {\"warren\": \"aot-training\"}}");
      if (r.statusCode() != 201) {
        progress.accept("the training goes on without sandboxes: creating one answered " + r.statusCode() + " " + r.body());
        return Optional.empty();
      }
      ids.add(field(r.body(), "id"));
    }
    HttpResponse<String> s = call(http, base.get(), token, "POST", "/v1/sandboxes/" + ids.getFirst() + "/sessions", "{}");
    if (s.statusCode() != 201) {
      progress.accept("the training goes on without a shell session: creating one answered " + s.statusCode() + " " + s.body());
      return Optional.empty();
    }
    return Optional.of(new Training(ids.getFirst(), field(s.body(), "id")));
  }

  /** Waits for the controller's {@code /readyz}, then calls a few routes with its token, as a client would; false if never ready. */
  private static boolean exercise(Path data, Process p, Optional<Training> made) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Optional<URI> ready = ready(http, data, p);
    if (ready.isEmpty()) {
      return false;
    }
    URI base = ready.get();
    String token = Files.readString(data.resolve("token")).strip();
    for (String path : List.of("/v1/sandboxes", "/v1/browsers", "/v1/images", "/v1/events", "/metrics", "/healthz")) {
      http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    if (made.isPresent()) {
      String sbx = "/v1/sandboxes/" + made.get().sandbox();
      for (int i = 0; i < 20; i++) {
        call(http, base, token, "POST", sbx + "/exec", "{\"command\": \"echo trained\"}");
        call(http, base, token, "POST", sbx + "/sessions/" + made.get().session() + "/commands", "{\"command\": \"echo trained\"}");
        call(http, base, token, "GET", sbx, null);
      }
    }
    return true;
  }

  /** The controller's address once its {@code /readyz} answers 200; empty if it exits or is not ready within {@link #READY}. */
  private static Optional<URI> ready(HttpClient http, Path data, Process p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY.toNanos();
    URI base = null;
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (Files.isRegularFile(data.resolve("listen"))) {
        base = URI.create("http://" + Files.readString(data.resolve("listen")).strip());
        try {
          if (http.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            break;
          }
        } catch (IOException e) {
          // not listening yet
        }
      }
      Thread.sleep(50);
    }
    if (base == null || !p.isAlive() || System.nanoTime() >= deadline) {
      return Optional.empty();
    }
    return Optional.of(base);
  }

  private static HttpResponse<String> call(HttpClient http, URI base, String token, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(60));
    b = body == null ? b.GET() : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The string field {@code name} of a JSON object's top level (the training reads ids only). */
  private static String field(String json, String name) {
    String value = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json).path(name).asString("");
    if (value.isEmpty()) {
      throw new IllegalStateException("no " + name + " in the training controller's answer: " + json);
    }
    return value;
  }

  private static void removeOthers(Path cache) throws IOException {
    String name = cache.getFileName().toString();
    String prefix = name.substring(0, name.indexOf(".jar-") + 5);
    try (Stream<Path> s = Files.list(cache.getParent())) {
      for (Path p : s.filter(f -> f.getFileName().toString().startsWith(prefix) && !f.equals(cache)
          && (f.toString().endsWith(".aot") || f.toString().endsWith(".aot.part"))).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log).strip();
      return s.length() > 800 ? s.substring(s.length() - 800) : s;
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
