package dev.warren.reliability;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/sandboxes} the way every Warren SDK sends it, done by hand so that the caller
 * sees what the SDKs hide: one {@code Idempotency-Key} for the logical create, sent again on every
 * retry (controller unreachable, answer lost after the request went out, 502/503/504), until an
 * answer or the deadline. Tells whether an attempt's answer was lost. Thread-safe.
 */
final class KeyedCreate {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The outcome: the sandbox made, how many attempts, whether one of them lost its answer, the last status (0: none). */
  record Outcome(Optional<String> id, int attempts, boolean answerLost, int status, Optional<String> error) {}

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final String token;

  KeyedCreate(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  Outcome create(String bodyJson, Duration patience) throws InterruptedException {
    String key = UUID.randomUUID().toString();
    HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/sandboxes")).timeout(Duration.ofMinutes(2))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(bodyJson)).build();
    long deadline = System.nanoTime() + patience.toNanos();
    boolean lost = false;
    int status = 0;
    String last = "no attempt";
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        status = r.statusCode();
        if (status == 201 || status == 200) {
          return new Outcome(Optional.of(JSON.readTree(r.body()).path("id").asString()), attempt, lost, status, Optional.empty());
        }
        last = r.body();
        if (status != 502 && status != 503 && status != 504) {
          return new Outcome(Optional.empty(), attempt, lost, status, Optional.of(last));
        }
      } catch (ConnectException | HttpConnectTimeoutException notSent) {
        status = 0;
        last = "not sent: " + notSent;
      } catch (IOException e) {
        // the request went out and no answer came back: the controller died meanwhile
        lost = true;
        status = 0;
        last = "answer lost: " + e;
      }
      if (System.nanoTime() > deadline) {
        return new Outcome(Optional.empty(), attempt, lost, status, Optional.of(last + " (" + attempt + " attempts)"));
      }
      Thread.sleep(100);
    }
  }
}
