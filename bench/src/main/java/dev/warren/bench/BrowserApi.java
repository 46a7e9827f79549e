package dev.warren.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The browser part of Warren's HTTP API, as the benchmark uses it: create, delete, the navigate
 * and evaluate actions, the warm pool's gauge and the events that say where a browser came from.
 * Requests go through an {@link ApiClient} (JDK HttpClient, HTTP/1.1, no retries).
 */
final class BrowserApi {
  static final Duration CREATE_T = Duration.ofMinutes(2);
  static final Duration T = Duration.ofSeconds(60);

  private final ApiClient api;

  BrowserApi(ApiClient api) {
    this.api = api;
  }

  /** A created browser session: its ids and the CDP WebSocket Warren handed out. */
  record Created(String id, String sandboxId, URI cdpUrl) {}

  /** {@code POST /v1/browsers} with {@code body}; expects 201 and a ready session. */
  Created create(String body) {
    JsonNode j = api.post("/v1/browsers", body, CREATE_T).expect(201).json();
    if (!j.path("state").asString().equals("ready")) {
      throw new IllegalStateException("POST /v1/browsers answered a session in state " + j.path("state").asString() + ": " + j);
    }
    return new Created(j.path("id").asString(), j.path("sandboxId").asString(), URI.create(j.path("cdpUrl").asString()));
  }

  /** A body allowing egress to {@code hostPort} only (e.g. {@code 198.18.0.2:8080}). */
  static String allowing(String hostPort) {
    return "{\"egress\":{\"allow\":[" + ApiClient.JSON.writeValueAsString(hostPort) + "]}}";
  }

  void delete(String id) {
    api.delete("/v1/browsers/" + id, T).expect(204);
  }

  /** Closes every live session ({@code DELETE /v1/browsers}); returns how many. */
  int deleteAll() {
    return api.delete("/v1/browsers?all=true", CREATE_T).expect(200).json().path("closed").asInt();
  }

  /** Ids of the live sessions. */
  List<String> live() {
    List<String> out = new ArrayList<>();
    for (JsonNode b : api.get("/v1/browsers", T).expect(200).json().path("browsers")) {
      out.add(b.path("id").asString());
    }
    return out;
  }

  /** The navigate action; returns the page's title once its load event fired. */
  String navigate(String id, String url) {
    return api.post("/v1/browsers/" + id + "/actions/navigate", ApiClient.field("url", url), T).expect(200).json().path("title").asString();
  }

  /** The evaluate action on the session's first page; the value as text. */
  String evaluate(String id, String expression) {
    JsonNode v = api.post("/v1/browsers/" + id + "/actions/evaluate", ApiClient.field("expression", expression), T).expect(200).json()
        .path("value");
    return v.isString() ? v.asString() : v.toString();
  }

  /** The gauge {@code warren_browser_pool_ready} from {@code /metrics}; -1 when it is missing. */
  int poolReady() {
    for (String line : api.get("/metrics", T).expect(200).body().split("\n")) {
      if (line.startsWith("warren_browser_pool_ready")) {
        return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  /** Waits until the pool holds {@code size} ready browsers; throws after {@code wait}. */
  void awaitPool(int size, Duration wait, Cleanup.Budget budget) {
    long deadline = System.nanoTime() + wait.toNanos();
    int ready = poolReady();
    while (ready < size) {
      budget.check();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the warm pool holds " + ready + " of " + size + " browsers after " + wait.toSeconds() + " s");
      }
      sleep(50);
      ready = poolReady();
    }
  }

  /** Whether the session was handed out from the warm pool (its {@code browser.created} event says so). */
  boolean fromPool(String id) {
    return api.get("/v1/events?subject=" + id, T).expect(200).body().contains("from the warm pool");
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cleanup.Aborted();
    }
  }
}
