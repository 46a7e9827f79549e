package dev.warren.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A shareable URL of one port of a sandbox ({@link Sandbox#mintPreviewUrl}). {@code url} and
 * {@code hostUrl} carry the URL's secret and are present only in the answer to the mint; a
 * listing has neither. {@code hostUrl} is present when the server has a preview domain.
 */
public record PreviewUrl(String id, String sandboxId, int port, Access access, Instant createdAt, Instant expiresAt,
    Optional<String> url, Optional<String> hostUrl) {

  /** Who may open it: anyone holding it, or only a caller that also sends an API token. */
  public enum Access {
    PUBLIC, TOKEN;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public PreviewUrl {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(hostUrl, "hostUrl");
  }
}
