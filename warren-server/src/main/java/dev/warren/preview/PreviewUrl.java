package dev.warren.preview;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A shareable URL of one port of one sandbox, as stored (its secret is not: only its hash).
 * {@code createdBy} is the id of the API token that minted it; the URL dies with that token.
 */
public record PreviewUrl(String id, String sandboxId, int port, Access access, Instant createdAt, String createdBy, Instant expiresAt,
    Optional<Instant> revokedAt) {

  /** Who may open the URL: anyone holding it, or only a caller that also presents a valid API token. */
  public enum Access {
    PUBLIC, TOKEN;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The access named {@code v}; empty when there is none. */
    public static Optional<Access> of(String v) {
      return switch (v) {
        case "public" -> Optional.of(PUBLIC);
        case "token" -> Optional.of(TOKEN);
        default -> Optional.empty();
      };
    }
  }

  public PreviewUrl {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /** Whether it still opens at {@code now}, its token aside. */
  public boolean live(Instant now) {
    return revokedAt.isEmpty() && now.isBefore(expiresAt);
  }
}
