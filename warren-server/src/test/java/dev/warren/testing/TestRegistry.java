package dev.warren.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OCI distribution registry on loopback (the pull side of the API: {@code GET
 * /v2/<name>/manifests/<ref>} and {@code /blobs/<digest>}) serving the images a test put in it,
 * behind a bearer-token challenge as Docker Hub's: a request without the token gets 401 with
 * {@code WWW-Authenticate: Bearer realm=…/token,service=…,scope=…}, and {@code /token} hands out
 * the one token it accepts. Blobs are answered with a redirect to {@code /cdn/<digest>} (which
 * wants no token), as registries behind a CDN do. Answers only 127.0.0.1.
 */
public final class TestRegistry implements AutoCloseable {
  private final HttpServer server;
  private final String token = "tok-" + UUID.randomUUID();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, String> types = new ConcurrentHashMap<>();
  /** repository + ":" + tag → manifest or index digest */
  private final Map<String, String> tags = new ConcurrentHashMap<>();
  public final AtomicInteger tokensIssued = new AtomicInteger();
  public final AtomicInteger unauthorized = new AtomicInteger();
  /** Requests to {@code /cdn/} that carried an Authorization header (credentials must never follow a redirect). */
  public final AtomicInteger cdnWithAuthorization = new AtomicInteger();
  /** The Basic header the registry wants (on {@code /token}, or on every request when {@link #basicOnly}); null: anonymous. */
  private volatile String wanted;
  private volatile boolean basicOnly;

  private TestRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  public static TestRegistry start() {
    try {
      return new TestRegistry();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * From now on wants {@code user}/{@code password}: as a private repository on Docker Hub (the
   * token service hands out a token only for them), or, when {@code basicOnly}, as a registry
   * that challenges with {@code Basic} and takes them on every request. {@code null} user: anonymous again.
   */
  public void requireCredentials(String user, String password, boolean basicOnly) {
    this.wanted = user == null ? null
        : "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    this.basicOnly = basicOnly;
  }

  /** Serves the image as {@code repository:tag}. */
  public void put(String repository, String tag, OciArchives.Blobs image) {
    blobs.putAll(image.blobs());
    types.putAll(image.mediaTypes());
    tags.put(repository + ":" + tag, image.index());
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      String authorization = x.getRequestHeaders().getFirst("Authorization");
      if (path.equals("/token")) {
        if (wanted != null && !wanted.equals(authorization)) {
          send(x, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes());
          return;
        }
        tokensIssued.incrementAndGet();
        send(x, 200, "application/json", ("{\"token\":\"" + token + "\"}").getBytes());
        return;
      }
      if (path.startsWith("/cdn/")) {
        if (authorization != null) {
          cdnWithAuthorization.incrementAndGet();
        }
        byte[] b = blobs.get(path.substring(5));
        send(x, b == null ? 404 : 200, "application/octet-stream", b == null ? new byte[0] : b);
        return;
      }
      boolean admitted = basicOnly ? wanted.equals(authorization) : ("Bearer " + token).equals(authorization);
      if (!admitted) {
        unauthorized.incrementAndGet();
        x.getResponseHeaders().add("WWW-Authenticate", basicOnly ? "Basic realm=\"test-registry\""
            : "Bearer realm=\"http://" + hostPort() + "/token\",service=\"test-registry\",scope=\"repository:" + repository(path) + ":pull\"");
        send(x, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes());
        return;
      }
      int m = path.indexOf("/manifests/");
      int b = path.indexOf("/blobs/");
      if (m > 0) {
        String repo = path.substring(4, m);
        String ref = path.substring(m + 11);
        String digest = ref.startsWith("sha256:") ? ref : tags.get(repo + ":" + ref);
        byte[] body = digest == null ? null : blobs.get(digest);
        if (body == null) {
          send(x, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes());
          return;
        }
        x.getResponseHeaders().add("Docker-Content-Digest", digest);
        send(x, 200, types.getOrDefault(digest, "application/vnd.oci.image.manifest.v1+json"), body);
      } else if (b > 0) {
        String digest = path.substring(b + 7);
        if (!blobs.containsKey(digest)) {
          send(x, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes());
          return;
        }
        x.getResponseHeaders().add("Location", "/cdn/" + digest);
        send(x, 307, "text/plain", new byte[0]);
      } else {
        send(x, 404, "text/plain", new byte[0]);
      }
    }
  }

  private static String repository(String path) {
    int end = Math.max(path.indexOf("/manifests/"), path.indexOf("/blobs/"));
    return end > 4 ? path.substring(4, end) : "";
  }

  private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
    x.getResponseHeaders().add("Content-Type", type);
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
