package dev.warren.client;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Sends {@link Call}s: bearer token, timeouts, retries with {@link Backoff}, and errors mapped to
 * {@link WarrenException}s. Thread-safe; one per {@link HttpWarren}.
 */
final class HttpTransport implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("dev.warren.client");
  private static final String USER_AGENT = "warren-java/0.1";

  /** What came back: any status, the body read in full. */
  record Reply(int status, String contentType, byte[] body) {}

  private final ClientConfig config;
  private final HttpClient client;
  /** The client's threads, owned here so that close() ends them on Java 17 too (HttpClient.close() came in 21). */
  private final java.util.concurrent.ExecutorService executor;
  private final AtomicBoolean closed = new AtomicBoolean();

  HttpTransport(ClientConfig config) {
    this.config = config;
    this.executor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "warren-client-http");
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder()
        .executor(executor)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Sends and answers a 2xx reply; anything else becomes the matching {@link WarrenException}. */
  Reply send(Call call) {
    var outcome = exchange(call);
    Reply reply = outcome.reply();
    if (reply.status() / 100 != 2) {
      throw Errors.forAnswer(call, reply.status(), reply.contentType(), reply.body(), outcome.attempts());
    }
    return reply;
  }

  /** Sends, then decodes the 2xx JSON answer; a body that does not decode is a {@link WarrenException}. */
  <T> T sendJson(Call call, Function<Object, T> decoder) {
    return decode(call, send(call), decoder);
  }

  /** Decodes a JSON reply; a body that does not decode is a {@link WarrenException}. */
  static <T> T decode(Call call, Reply reply, Function<Object, T> decoder) {
    try {
      return decoder.apply(Json.parse(reply.body()));
    } catch (IllegalArgumentException e) {
      throw Errors.badBody(call, reply.status(), e);
    }
  }

  record Outcome(Reply reply, int attempts) {}

  /** Sends with retries and answers the last reply whatever its status; no answer at all throws. */
  Outcome exchange(Call call) {
    if (closed.get()) throw new IllegalStateException("this Warren client is closed");
    HttpRequest request = request(call);
    Backoff backoff = config.backoff();
    int maxAttempts = call.retry() == Call.Retry.NEVER ? 1 : backoff.maxAttempts();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<byte[]> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (ConnectException | HttpConnectTimeoutException notSent) {
        if (attempt >= maxAttempts) throw Errors.noAnswer(call, config.baseUrl().toString(), notSent, attempt);
        pause(call, attempt, notSent.toString(), Optional.empty());
        continue;
      } catch (IOException failed) {
        if (call.retry() != Call.Retry.IDEMPOTENT || attempt >= maxAttempts) {
          throw Errors.noAnswer(call, config.baseUrl().toString(), failed, attempt);
        }
        pause(call, attempt, failed.toString(), Optional.empty());
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(call, e);
      }
      int status = response.statusCode();
      LOG.log(Level.DEBUG, "{0} answered {1} (attempt {2})", call.describe(), status, attempt);
      if (isRetryable(status) && call.retry() == Call.Retry.IDEMPOTENT && attempt < maxAttempts) {
        var retryAfter = Backoff.parseRetryAfter(
            response.headers().firstValue("Retry-After").orElse(null), ZonedDateTime.now());
        pause(call, attempt, "status " + status, retryAfter);
        continue;
      }
      String contentType = response.headers().firstValue("Content-Type").orElse(null);
      return new Outcome(new Reply(status, contentType, response.body()), attempt);
    }
  }

  /**
   * Opens a streamed answer in one attempt, without retries: the caller reads the body and must close
   * it. A non-2xx answer is read (its first 64 KiB) and thrown as the matching {@link WarrenException};
   * connection failures are thrown as they are, so the caller can resume where it was.
   */
  HttpResponse<InputStream> open(Call call) throws IOException, InterruptedException {
    if (closed.get()) throw new IllegalStateException("this Warren client is closed");
    HttpResponse<InputStream> response = client.send(request(call), HttpResponse.BodyHandlers.ofInputStream());
    int status = response.statusCode();
    LOG.log(Level.DEBUG, "{0} answered {1} (stream)", call.describe(), status);
    if (status / 100 == 2) return response;
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(64 * 1024);
    }
    String contentType = response.headers().firstValue("Content-Type").orElse(null);
    throw Errors.forAnswer(call, status, contentType, body, 1);
  }

  Backoff backoff() {
    return config.backoff();
  }

  /** The per-attempt timeout of calls that set none. */
  Duration requestTimeout() {
    return config.requestTimeout();
  }

  static boolean isRetryable(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  private void pause(Call call, int attempt, String why, Optional<Duration> retryAfter) {
    Duration delay = config.backoff().delay(attempt, retryAfter);
    LOG.log(Level.INFO, "{0}: {1}; retry {2} of {3} in {4} ms", call.describe(), why, attempt,
        config.backoff().maxAttempts() - 1, delay.toMillis());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(call, e);
    }
  }

  static WarrenException interrupted(Call call, InterruptedException e) {
    return new WarrenException(call.describe() + " was interrupted", call.method(), call.pathAndQuery(), null, e);
  }

  private HttpRequest request(Call call) {
    var builder = HttpRequest.newBuilder(URI.create(config.baseUrl() + call.pathAndQuery()))
        .timeout(call.timeout().orElse(config.requestTimeout()))
        .header("Authorization", "Bearer " + config.token())
        .header("User-Agent", USER_AGENT)
        .header("Accept", "application/json, application/problem+json, */*");
    call.idempotencyKey().ifPresent(key -> builder.header("Idempotency-Key", key));
    call.headers().forEach(builder::setHeader);
    if (call.contentType() != null) builder.header("Content-Type", call.contentType());
    HttpRequest.BodyPublisher body;
    if (call.bodyFile() != null) {
      try {
        body = HttpRequest.BodyPublishers.ofFile(call.bodyFile());
      } catch (java.io.FileNotFoundException e) {
        throw new IllegalArgumentException("cannot read " + call.bodyFile() + ": " + e.getMessage(), e);
      }
    } else {
      body = call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(call.body());
    }
    return builder.method(call.method(), body).build();
  }

  @Override
  public String toString() {
    return config.baseUrl().toString();
  }

  /**
   * Stops accepting calls; calls in flight get up to five seconds to finish, then are aborted.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) executor.shutdownNow();
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
