package dev.warren.client;

import java.util.Objects;

/**
 * A client of one Warren server. Start here:
 *
 * <pre>{@code
 * try (Warren warren = Warren.connect("http://127.0.0.1:7070", token);
 *      Sandbox sbx = warren.sandboxes().create(SandboxSpec.builder().image("base").build())) {
 *   ExecResult r = sbx.exec("echo hi");
 * }
 *
 * try (Browser b = warren.browsers().create(BrowserSpec.builder().key("agent-42:run-7").build())) {
 *   var cdp = playwright.chromium().connectOverCDP(b.cdpUrl());
 * }
 * }</pre>
 *
 * <p>Every call sends the bearer token, times out, and is retried with backoff when that is safe
 * (see {@link WarrenBuilder}); failures are {@link WarrenException}s. Thread-safe: share one
 * client. {@link #close()} is idempotent; it does not delete sandboxes or close browser sessions,
 * close their handles first.
 */
public interface Warren extends AutoCloseable {

  /** A client with default settings; makes no call. */
  static Warren connect(String baseUrl, String token) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(token, "token");
    return builder().baseUrl(baseUrl).token(token).build();
  }

  static WarrenBuilder builder() {
    return new WarrenBuilder();
  }

  /** Sandboxes: create, find, list, delete. */
  Sandboxes sandboxes();

  /** Browser sessions: Chromium in a sandbox, reached over CDP or through simple actions. */
  Browsers browsers();

  /** Named browser profiles: list, read, export, delete. */
  Profiles profiles();

  /** Snapshots of sandboxes' files. */
  Snapshots snapshots();

  /** Volumes: filesystems that outlive sandboxes; create, list, get, delete. */
  Volumes volumes();

  /** Images: the built-in ones and your own, imported from OCI archives or pulled from a registry. */
  Images images();

  /**
   * Asks {@code /healthz} and {@code /readyz}. A server that is alive but not ready answers
   * {@code ready = false} with its checks rather than throwing.
   *
   * @throws UnavailableException when the server cannot be reached
   */
  Health health();

  /**
   * One quick {@code /healthz} without retries: {@code true} when the server answers 200, {@code
   * false} when it answers otherwise or not at all.
   */
  boolean ping();

  /** Releases the HTTP client; calls after this throw {@link IllegalStateException}. Idempotent. */
  @Override
  void close();
}
