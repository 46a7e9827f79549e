package dev.warren.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * The state section's calls, raw HTTP through one {@link ApiClient} (the Java SDK of this branch has no
 * snapshot calls), remembering every sandbox and snapshot they made until they deleted it.
 * {@link #close()} deletes what is left, sandboxes first (a snapshot is 409 while a sandbox made from
 * it exists); the shutdown hook calls it on Ctrl-C. Idempotent.
 *
 * <p>Thread-safe: the sets of ids are concurrent (the shutdown hook may close it while the section
 * runs), the requests go one at a time per caller.
 */
final class StateApi implements AutoCloseable {
  static final Duration CALL_T = Duration.ofMinutes(2);

  private final ApiClient api;
  private final Set<String> sandboxes = ConcurrentHashMap.newKeySet();
  private final Set<String> snapshots = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  StateApi(ApiClient api) {
    this.api = api;
  }

  /** {@code POST /v1/sandboxes} with this body, to its 201; the sandbox's id. */
  String create(String body) {
    String id = api.post("/v1/sandboxes", body, CALL_T).expect(201).json().path("id").asString();
    sandboxes.add(id);
    return id;
  }

  /** {@code POST …/exec} of {@code sh -c command}; throws unless it exited 0. */
  JsonNode exec(String id, String command, int timeoutSeconds) {
    String body = ApiClient.JSON.writeValueAsString(ApiClient.JSON.createObjectNode().put("command", command)
        .put("timeoutSeconds", timeoutSeconds));
    JsonNode r = api.post(path(id) + "/exec", body, Duration.ofSeconds(timeoutSeconds + 30L)).expect(200).json();
    if (r.path("exitCode").asInt(-1) != 0) {
      throw new IllegalStateException("exec in " + id + " exited with " + r.path("exitCode") + ": " + r.path("stderr").asString().strip());
    }
    return r;
  }

  /** {@code POST …/exec} of {@code true}; throws unless it exited 0. */
  void execTrue(String id) {
    JsonNode r = api.post(path(id) + "/exec", "{\"argv\":[\"true\"]}", CALL_T).expect(200).json();
    if (r.path("exitCode").asInt(-1) != 0) {
      throw new IllegalStateException("exec true in " + id + " exited with " + r.path("exitCode") + ": " + r);
    }
  }

  /** {@code POST …/pause} or {@code …/resume} ({@code action}); throws unless the sandbox answered is in {@code state}. */
  void transition(String id, String action, String state) {
    ApiClient.Answer a = api.post(path(id) + "/" + action, "{}", CALL_T).expect(200);
    String seen = a.json().path("state").asString();
    if (!state.equals(seen)) {
      throw new IllegalStateException("POST " + a.path() + " answered a sandbox in state " + seen + ", expected " + state);
    }
  }

  /** The CPU time the sandbox's processes used so far ({@code usage.cpuSeconds}). */
  double cpuSeconds(String id) {
    JsonNode usage = api.get(path(id), CALL_T).expect(200).json().path("usage");
    if (!usage.has("cpuSeconds")) {
      throw new IllegalStateException("GET " + path(id) + " has no usage.cpuSeconds: " + usage);
    }
    return usage.path("cpuSeconds").asDouble();
  }

  /** {@code DELETE} of the sandbox, to its 204. */
  void delete(String id) {
    api.delete(path(id), CALL_T).expect(204);
    sandboxes.remove(id);
  }

  /** {@code POST …/snapshots} as it is answered (the caller decides what a 404 means); a 201's snapshot is tracked. */
  ApiClient.Answer snapshot(String id, String name) {
    ApiClient.Answer a = api.post(path(id) + "/snapshots", ApiClient.field("name", name), CALL_T);
    if (a.status() == 201) {
      snapshots.add(snapshotId(a.json(), a));
    }
    return a;
  }

  /** {@code DELETE /v1/snapshots/{id}}: 204, or 404 when the server collected it already (a fork's). */
  void deleteSnapshot(String id) {
    ApiClient.Answer a = api.delete("/v1/snapshots/" + id, CALL_T);
    if (a.status() != 404) {
      a.expect(204);
    }
    snapshots.remove(id);
  }

  /** {@code POST …/fork} to its 201; the sandboxes made (a JSON array, or an object with {@code sandboxes}), all tracked. */
  List<String> fork(String id, int count) {
    ApiClient.Answer a = api.post(path(id) + "/fork", "{\"count\":" + count + "}", CALL_T).expect(201);
    JsonNode body = a.json();
    JsonNode list = body.isArray() ? body : body.path("sandboxes");
    List<String> ids = new ArrayList<>();
    list.forEach(s -> ids.add(s.path("id").asString()));
    sandboxes.addAll(ids);
    Optional.ofNullable(body.get("snapshot")).filter(JsonNode::isObject).ifPresent(s -> snapshots.add(snapshotId(s, a)));
    if (ids.size() != count || ids.stream().anyMatch(String::isEmpty)) {
      throw new IllegalStateException("POST " + a.path() + " with count " + count + " answered " + ids.size() + " sandbox ids: " + body);
    }
    return ids;
  }

  /** How many objects {@code GET path} lists under {@code field}, or empty when it is not 200 (e.g. no snapshots API). */
  Optional<Integer> listed(String path, String field) {
    ApiClient.Answer a = api.get(path, CALL_T);
    return a.status() == 200 ? Optional.of(a.json().path(field).size()) : Optional.empty();
  }

  static String path(String sandbox) {
    return "/v1/sandboxes/" + sandbox;
  }

  private static String snapshotId(JsonNode snapshot, ApiClient.Answer a) {
    String id = snapshot.path("id").asString();
    if (!id.startsWith("snap_")) {
      throw new IllegalStateException("POST " + a.path() + " answered a snapshot whose id is not snap_…: " + a.body());
    }
    return id;
  }

  /** Deletes the sandboxes, then the snapshots, still tracked; the first failure is thrown, the others suppressed. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    RuntimeException failure = null;
    for (String id : List.copyOf(sandboxes)) {
      try {
        delete(id);
      } catch (RuntimeException e) {
        failure = BenchWarren.add(failure, e);
      }
    }
    for (String id : List.copyOf(snapshots)) {
      try {
        deleteSnapshot(id);
      } catch (RuntimeException e) {
        failure = BenchWarren.add(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
