package dev.warren.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * The sandbox the sessions section works in (default limits, networked), made and deleted through
 * the HTTP API, with the sessions opened in it. Opening and deleting a session count as operations
 * in flight ({@link Cleanup#begin}), so an interrupted run does not race the shutdown hook.
 * {@link #close()} deletes every session still open (one already gone is fine), then the sandbox;
 * idempotent, and safe from the shutdown hook.
 */
final class SessionSandbox implements AutoCloseable {
  static final Duration T = Duration.ofSeconds(90);
  /** A synchronous command waits up to 60 s on the server (its default); the client a little longer. */
  static final Duration COMMAND_T = Duration.ofSeconds(75);

  private final ApiClient api;
  private final Cleanup cleanup;
  private final String id;
  private final Path rootfs;
  private final List<String> sessions = new CopyOnWriteArrayList<>();
  private final Stats.Series sessionCreates = new Stats.Series("POST …/sessions");
  private final AtomicBoolean closed = new AtomicBoolean();

  private SessionSandbox(ApiClient api, Cleanup cleanup, String id, Path rootfs) {
    this.api = api;
    this.cleanup = cleanup;
    this.id = id;
    this.rootfs = rootfs;
  }

  /** Creates the sandbox; the caller registers the answer for clean-up at once. */
  static SessionSandbox create(BenchWarren w, ApiClient api, Cleanup cleanup) {
    JsonNode s;
    try (Cleanup.Op op = cleanup.begin()) {
      s = api.post("/v1/sandboxes", "{}", T).expect(201).json();
    }
    String id = s.path("id").asString();
    if (!"running".equals(s.path("state").asString())) {
      throw new IllegalStateException("sandbox " + id + " was answered " + s.path("state").asString() + ", expected running");
    }
    return new SessionSandbox(api, cleanup, id, w.dataDir().resolve("sandboxes").resolve(id).resolve("rootfs"));
  }

  String id() {
    return id;
  }

  /** The sandbox's root filesystem as the host sees it. */
  Path rootfs() {
    return rootfs;
  }

  /** {@code /v1/sandboxes/<id>} followed by {@code rest}. */
  String path(String rest) {
    return "/v1/sandboxes/" + id + rest;
  }

  /** Opens a session and waits for its shell (the server answers once the shell reads commands). */
  String openSession() {
    JsonNode s;
    try (Cleanup.Op op = cleanup.begin()) {
      long t0 = System.nanoTime();
      s = api.post(path("/sessions"), "{}", T).expect(201).json();
      sessionCreates.add(System.nanoTime() - t0);
    }
    String sid = s.path("id").asString();
    sessions.add(sid);
    if (!"ready".equals(s.path("state").asString())) {
      throw new IllegalStateException("session " + sid + " in " + id + " was answered " + s.path("state").asString() + ", expected ready");
    }
    return sid;
  }

  void deleteSession(String sid) {
    try (Cleanup.Op op = cleanup.begin()) {
      api.delete(path("/sessions/" + sid), T).expect(204);
      sessions.remove(sid);
    }
  }

  /** How long opening a session took, each time. */
  Stats sessionCreates() {
    return sessionCreates.stats();
  }

  /** Runs {@code command} synchronously in a session and checks that it finished with exit code 0. */
  JsonNode run(ApiClient client, String sid, String command) {
    return expectFinished(client.post(path("/sessions/" + sid + "/commands"), ApiClient.field("command", command), COMMAND_T), command);
  }

  /** Checks that a synchronous submit answered 200 with the job finished and exit code 0. */
  static JsonNode expectFinished(ApiClient.Answer a, String command) {
    JsonNode job = a.expect(200).json();
    if (!"finished".equals(job.path("state").asString()) || job.path("exitCode").asInt(-1) != 0) {
      throw new IllegalStateException("command '" + command + "' (" + job.path("id").asString() + ") ended " + job.path("state").asString()
          + " with exit code " + job.path("exitCode") + ": " + job.path("stderr").asString().strip());
    }
    return job;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<RuntimeException> errors = new ArrayList<>();
    for (String sid : List.copyOf(sessions)) {
      try {
        ApiClient.Answer a = api.delete(path("/sessions/" + sid), T);
        if (a.status() != 404) {
          a.expect(204);
        }
        sessions.remove(sid);
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    try {
      api.delete(path(""), T).expect(204);
    } catch (RuntimeException e) {
      errors.add(e);
    }
    if (!errors.isEmpty()) {
      IllegalStateException e = new IllegalStateException("deleting the sessions benchmark's sandbox " + id + " and its sessions failed: "
          + errors.getFirst().getMessage(), errors.getFirst());
      errors.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }
}
