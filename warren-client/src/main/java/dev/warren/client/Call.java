package dev.warren.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One logical API call: what to send and how far it may be retried. Retries of the same call send
 * the same bytes and the same {@code Idempotency-Key}.
 *
 * @param pathAndQuery already encoded, e.g. {@code /v1/sandboxes/sbx_1/files?path=%2Fa%20b}
 * @param body request body, or {@code null} for none
 * @param timeout per-attempt HTTP timeout, empty for the client's default
 * @param headers further request headers, e.g. {@code Last-Event-ID}
 * @param bodyFile a file sent as the body, streamed from disk (an image archive), or {@code null}
 */
record Call(
    String method,
    String pathAndQuery,
    byte[] body,
    String contentType,
    Retry retry,
    Optional<String> idempotencyKey,
    Optional<Duration> timeout,
    Map<String, String> headers,
    java.nio.file.Path bodyFile) {

  /** How far a call may be repeated. */
  enum Retry {
    /**
     * Safe to repeat (reads, PUT, DELETE, stop/start/restart, keyed creates): retried on connection
     * errors, 429, 502, 503 and 504.
     */
    IDEMPOTENT,
    /** Could act twice (exec): retried only when the connection failed before anything was sent. */
    BEFORE_SEND,
    /** One attempt only. */
    NEVER
  }

  Call {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(timeout, "timeout");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
  }

  static Call get(String path) {
    return new Call("GET", path, null, null, Retry.IDEMPOTENT, Optional.empty(), Optional.empty(), Map.of(), null);
  }

  static Call delete(String path) {
    return new Call("DELETE", path, null, null, Retry.IDEMPOTENT, Optional.empty(), Optional.empty(), Map.of(), null);
  }

  static Call post(String path, Retry retry) {
    return new Call("POST", path, null, null, retry, Optional.empty(), Optional.empty(), Map.of(), null);
  }

  static Call put(String path, byte[] body, String contentType) {
    return new Call("PUT", path, body, contentType, Retry.IDEMPOTENT, Optional.empty(), Optional.empty(), Map.of(), null);
  }

  Call json(Object value) {
    return new Call(method, pathAndQuery, Json.writeBytes(value), "application/json", retry, idempotencyKey, timeout,
        headers, null);
  }

  Call idempotencyKey(String key) {
    return new Call(method, pathAndQuery, body, contentType, retry, Optional.of(key), timeout, headers, bodyFile);
  }

  Call timeout(Duration perAttempt) {
    return new Call(method, pathAndQuery, body, contentType, retry, idempotencyKey, Optional.of(perAttempt), headers, bodyFile);
  }

  Call retry(Retry policy) {
    return new Call(method, pathAndQuery, body, contentType, policy, idempotencyKey, timeout, headers, bodyFile);
  }

  /** A copy that also sends this header (replacing one of the same name). */
  Call header(String name, String value) {
    var copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Call(method, pathAndQuery, body, contentType, retry, idempotencyKey, timeout, copy, bodyFile);
  }

  /** A copy with this raw body. */
  Call body(byte[] bytes, String type) {
    return new Call(method, pathAndQuery, bytes, type, retry, idempotencyKey, timeout, headers, bodyFile);
  }

  /** A copy whose body is the file {@code file}, streamed. */
  Call bodyFile(java.nio.file.Path file, String type) {
    return new Call(method, pathAndQuery, null, type, retry, idempotencyKey, timeout, headers, file);
  }

  /** For messages: {@code POST /v1/sandboxes}. */
  String describe() {
    return method + " " + pathAndQuery;
  }
}
