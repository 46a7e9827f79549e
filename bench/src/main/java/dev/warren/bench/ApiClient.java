package dev.warren.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One client thread's way into the controller's HTTP API, without the SDK: a JDK
 * {@link HttpClient} speaking HTTP/1.1. Used by one thread, one request at a time, it keeps a
 * single persistent connection, so a measured round trip includes no TCP connect (after the
 * first). Every request has a timeout; a failed request throws, it is never retried.
 *
 * <p>Thread-safe, but meant for one thread: requests from several threads at once open more
 * connections. {@link #close()} is idempotent and aborts requests still in flight.
 */
final class ApiClient implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;
  private final URI base;
  private final String authorization;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ApiClient(URI base, String token) {
    this.base = base;
    this.authorization = "Bearer " + token;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  }

  static ApiClient open(BenchWarren w) {
    return new ApiClient(w.baseUri(), w.token());
  }

  /** A whole answer: its status and body as text. */
  record Answer(String method, String path, int status, String body) {
    /** Returns this answer when its status is {@code expected}, else throws with the problem the server sent. */
    Answer expect(int expected) {
      if (status != expected) {
        throw new IllegalStateException(method + " " + path + " answered " + status + ", expected " + expected + ": "
            + (body.length() > 500 ? body.substring(0, 500) + "…" : body));
      }
      return this;
    }

    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  Answer get(String path, Duration timeout) {
    return send(request(path, timeout).GET(), "GET", path);
  }

  Answer post(String path, String json, Duration timeout) {
    return send(request(path, timeout).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), "POST", path);
  }

  Answer delete(String path, Duration timeout) {
    return send(request(path, timeout).DELETE(), "DELETE", path);
  }

  /**
   * A GET whose body the caller reads as a stream and must read to its end or close. The timeout
   * covers the wait for the answer's headers only; a status other than 200 throws.
   */
  HttpResponse<InputStream> stream(String path, Duration timeout) {
    try {
      HttpResponse<InputStream> r = http.send(request(path, timeout).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        try (InputStream in = r.body()) {
          new Answer("GET", path, r.statusCode(), new String(in.readNBytes(4096), StandardCharsets.UTF_8)).expect(200);
        }
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
  }

  /** Builds the JSON body {@code {"name": value}} with the value quoted as JSON needs. */
  static String field(String name, String value) {
    return JSON.writeValueAsString(JSON.createObjectNode().put(name, value));
  }

  private HttpRequest.Builder request(String path, Duration timeout) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Authorization", authorization);
  }

  private Answer send(HttpRequest.Builder request, String method, String path) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(method, path, r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    http.shutdownNow();
    try {
      http.awaitTermination(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
