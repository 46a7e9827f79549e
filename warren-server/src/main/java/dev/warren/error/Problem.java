package dev.warren.error;

/**
 * The kinds of failure a caller can act on; each maps to one HTTP status and one stable problem
 * type ({@code https://warren.dev/problems/<slug>}).
 */
public enum Problem {
  INVALID_INPUT(400, "invalid-input", "Invalid input"),
  UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
  FORBIDDEN(403, "forbidden", "Forbidden"),
  NOT_FOUND(404, "not-found", "Not found"),
  CONFLICT(409, "conflict", "Conflict"),
  TOO_LARGE(413, "too-large", "Too large"),
  IMAGE_NOT_BUILT(422, "image-not-built", "Image not built"),
  /** A Dockerfile build stopped at a step that failed (a RUN's exit code): the request was fine, its build was not. */
  BUILD_FAILED(422, "build-failed", "Build failed"),
  LIMIT_EXCEEDED(429, "limit-exceeded", "Limit exceeded"),
  /** The sandbox's own disk is full (its limits.diskMb or diskInodes): the host has room. */
  SANDBOX_DISK_FULL(507, "sandbox-disk-full", "Sandbox disk full"),
  /** A sandbox's own server (a previewed port) did not answer, or answered something that is not HTTP. */
  BAD_GATEWAY(502, "bad-gateway", "Bad gateway"),
  UNAVAILABLE(503, "runtime-unavailable", "Runtime unavailable"),
  SHUTTING_DOWN(503, "shutting-down", "Shutting down"),
  /** The sandbox's runtime does not offer this (yet): a microVM has no file API in its first phase, say. */
  NOT_IMPLEMENTED(501, "not-implemented", "Not implemented"),
  INTERNAL(500, "internal", "Internal error");

  private final int status;
  private final String slug;
  private final String title;

  Problem(int status, String slug, String title) {
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String type() {
    return "https://warren.dev/problems/" + slug;
  }

  public String title() {
    return title;
  }
}
