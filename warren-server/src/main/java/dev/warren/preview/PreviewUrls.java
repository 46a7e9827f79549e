package dev.warren.preview;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The minted preview URLs: kept in the store (a controller restart keeps them), looked up from
 * memory by the SHA-256 of their secret. A URL opens only its own sandbox and port, and only while
 * it is neither expired nor revoked, its sandbox exists and the token that minted it is not
 * revoked. Thread-safe: the map is the only shared state, and the store row is written before the
 * map changes.
 */
public final class PreviewUrls {
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  public static final Duration MAX_TTL = Duration.ofDays(7);
  /** Prefix of a URL's secret: {@code wpv.} and 32 random bytes, base64url. */
  static final String SECRET_PREFIX = "wpv.";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A URL just made and the secret it carries (shown once). */
  public record Minted(PreviewUrl url, String secret) {}

  private final Store store;
  private final Predicate<String> tokenActive;
  private final Map<String, PreviewUrl> byHash = new ConcurrentHashMap<>();

  /** @param tokenActive whether what a token id minted still counts ({@code ApiTokens::active}) */
  public PreviewUrls(Store store, Predicate<String> tokenActive) {
    this.store = store;
    this.tokenActive = tokenActive;
    long now = System.currentTimeMillis();
    store.read(h -> h.createQuery("SELECT * FROM preview_urls WHERE revoked_at IS NULL AND expires_at > :now").bind("now", now)
        .map((rs, c) -> {
          byHash.put(rs.getString("secret_hash"), row(rs));
          return null;
        }).list());
  }

  public Minted mint(String sandboxId, int port, PreviewUrl.Access access, Duration ttl, String minter) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    PreviewUrl u = new PreviewUrl(Ids.next("pvu"), sandboxId, port, access, now, minter, now.plus(ttl), Optional.empty());
    String hash = hash(secret);
    store.writeOne(h -> h.createUpdate("INSERT INTO preview_urls (id, sandbox_id, port, access, secret_hash, created_at, created_by, "
            + "expires_at) VALUES (:id, :sbx, :port, :access, :hash, :at, :by, :exp)")
        .bind("id", u.id()).bind("sbx", sandboxId).bind("port", port).bind("access", access.wire()).bind("hash", hash)
        .bind("at", now.toEpochMilli()).bind("by", minter).bind("exp", u.expiresAt().toEpochMilli()).execute());
    byHash.put(hash, u);
    return new Minted(u, secret);
  }

  /** The URLs of a sandbox's port that still open (newest last). */
  public List<PreviewUrl> list(String sandboxId, int port) {
    Instant now = Instant.now();
    return store.read(h -> h.createQuery("SELECT * FROM preview_urls WHERE sandbox_id = :sbx AND port = :port ORDER BY created_at, id")
        .bind("sbx", sandboxId).bind("port", port).map((rs, c) -> row(rs)).list()).stream()
        .filter(u -> u.live(now) && tokenActive.test(u.createdBy())).toList();
  }

  /** Revokes one URL of a sandbox's port; 404 when that port has no such URL. */
  public void revoke(String sandboxId, int port, String urlId) {
    long now = System.currentTimeMillis();
    int n = store.writeOne(h -> h.createUpdate("UPDATE preview_urls SET revoked_at = :at WHERE id = :id AND sandbox_id = :sbx AND port = :port "
        + "AND revoked_at IS NULL").bind("at", now).bind("id", urlId).bind("sbx", sandboxId).bind("port", port).execute());
    byHash.values().removeIf(u -> u.id().equals(urlId) && u.sandboxId().equals(sandboxId) && u.port() == port);
    if (n == 0) {
      throw new WarrenException(Problem.NOT_FOUND, "port " + port + " of sandbox " + sandboxId + " has no preview URL " + urlId
          + " that is still open (GET /v1/sandboxes/" + sandboxId + "/ports/" + port + "/url lists them)");
    }
  }

  /** Forgets the URLs of a deleted sandbox (their rows go too: ids are never reused, so they could not open anything anyway). */
  public void sandboxDeleted(String sandboxId) {
    byHash.values().removeIf(u -> u.sandboxId().equals(sandboxId));
    store.writeOne(h -> h.createUpdate("DELETE FROM preview_urls WHERE sandbox_id = :sbx").bind("sbx", sandboxId).execute());
  }

  /**
   * The URL a secret stands for, when it still opens; empty for an unknown, expired or revoked
   * secret and for one whose minting token was revoked.
   */
  public Optional<PreviewUrl> resolve(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX) || secret.length() > 100) {
      return Optional.empty();
    }
    String hash = hash(secret);
    PreviewUrl u = byHash.get(hash);
    if (u == null) {
      return Optional.empty();
    }
    if (!u.live(Instant.now())) {
      byHash.remove(hash);
      return Optional.empty();
    }
    return tokenActive.test(u.createdBy()) ? Optional.of(u) : Optional.empty();
  }

  private static PreviewUrl row(java.sql.ResultSet rs) throws java.sql.SQLException {
    long revoked = rs.getLong("revoked_at");
    Optional<Instant> revokedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
    return new PreviewUrl(rs.getString("id"), rs.getString("sandbox_id"), rs.getInt("port"),
        PreviewUrl.Access.of(rs.getString("access")).orElse(PreviewUrl.Access.TOKEN), Instant.ofEpochMilli(rs.getLong("created_at")),
        rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("expires_at")), revokedAt);
  }

  static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
