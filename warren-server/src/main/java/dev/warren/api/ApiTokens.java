package dev.warren.api;

import dev.warren.error.Ids;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import dev.warren.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call the API. The token in {@code $WARREN_DATA/token} is the actor {@code admin}; more
 * tokens, each with an id and a name, are made and revoked over the API (by admin only) and kept in
 * the store as SHA-256 hashes, so a backup restores them and a leaked database does not leak them.
 * Thread-safe.
 */
public final class ApiTokens {
  /**
   * Who made a call: a token id ({@code admin} for the file token) and its name, and the token that
   * answers for it: itself, or for a caller holding a signed URL, the token that minted the URL.
   * What this caller mints (signed URLs, sockets it opens) dies when {@code minter} is revoked.
   */
  public record Actor(String id, String name, String minter) {
    public static final Actor ADMIN = new Actor("admin", "admin");

    public Actor(String id, String name) {
      this(id, name, id);
    }
  }

  /** A token as listed; the token itself is shown once, when it is made. */
  public record Info(String id, String name, Instant createdAt, String createdBy, Optional<Instant> revokedAt) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Tokens admin;
  private final Store store;
  private final Map<String, Actor> byHash = new ConcurrentHashMap<>();
  private final List<java.util.function.Consumer<String>> onRevoke = new java.util.concurrent.CopyOnWriteArrayList<>();

  public ApiTokens(Tokens admin, Store store) {
    this.admin = admin;
    this.store = store;
    store.read(h -> h.createQuery("SELECT id, name, token_hash FROM api_tokens WHERE revoked_at IS NULL")
        .map((rs, c) -> {
          Actor a = new Actor(rs.getString("id"), rs.getString("name"));
          byHash.put(rs.getString("token_hash"), a);
          return a;
        }).list());
  }

  /** The actor a presented token stands for; empty when it is no valid token. */
  public Optional<Actor> authenticate(String presented) {
    if (presented == null || presented.isEmpty()) {
      return Optional.empty();
    }
    if (admin.matches(presented)) {
      return Optional.of(Actor.ADMIN);
    }
    return Optional.ofNullable(byHash.get(hash(presented)));
  }

  /** Whether what {@code minter} (a token's id) made still counts: the admin token's always, a named token's until it is revoked. */
  public boolean active(String minter) {
    if (minter == null) {
      return false;
    }
    if (minter.equals(Actor.ADMIN.id())) {
      return true;
    }
    return byHash.values().stream().anyMatch(a -> a.id().equals(minter));
  }

  /** Calls {@code listener} with a token's id right after the token is revoked (to close what it opened). */
  public void onRevoke(java.util.function.Consumer<String> listener) {
    onRevoke.add(listener);
  }

  /** Makes a token; returns its listing and the token itself (shown this once). */
  public Map.Entry<Info, String> create(String name, Actor by) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9 ._@-]{0,127}")) {
      throw WarrenException.invalid("name", "name must be 1 to 128 letters, digits, spaces or . _ @ -, starting with a letter or digit");
    }
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = "wrn_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Info info = new Info(Ids.next("tok"), name, Instant.now(), by.id(), Optional.empty());
    String hash = hash(token);
    store.writeOne(h -> h.createUpdate("INSERT INTO api_tokens (id, name, token_hash, created_at, created_by) VALUES (:id, :name, :hash, :at, :by)")
        .bind("id", info.id()).bind("name", name).bind("hash", hash).bind("at", info.createdAt().toEpochMilli()).bind("by", by.id())
        .execute());
    byHash.put(hash, new Actor(info.id(), name));
    return Map.entry(info, token);
  }

  public List<Info> list() {
    return store.read(h -> h.createQuery("SELECT id, name, created_at, created_by, revoked_at FROM api_tokens ORDER BY created_at, id")
        .map((rs, c) -> new Info(rs.getString("id"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")),
            rs.getString("created_by"), revoked(rs.getLong("revoked_at"), rs.wasNull())))
        .list());
  }

  /** Revokes a token: it stops working at once; its id stays in the audit trail. */
  public Info revoke(String id) {
    if (id.equals(Actor.ADMIN.id())) {
      throw new WarrenException(Problem.CONFLICT, "the admin token is the file $WARREN_DATA/token: replace that file and restart to change it");
    }
    Info info = list().stream().filter(i -> i.id().equals(id)).findFirst()
        .orElseThrow(() -> new WarrenException(Problem.NOT_FOUND, "no token " + id));
    if (info.revokedAt().isEmpty()) {
      long now = System.currentTimeMillis();
      store.writeOne(h -> h.createUpdate("UPDATE api_tokens SET revoked_at = :at WHERE id = :id").bind("at", now).bind("id", id).execute());
      byHash.values().removeIf(a -> a.id().equals(id));
      for (var l : onRevoke) {
        try {
          l.accept(id);
        } catch (RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(ApiTokens.class).warn("closing what token {} opened failed: {}", id, e.toString());
        }
      }
      return new Info(info.id(), info.name(), info.createdAt(), info.createdBy(), Optional.of(Instant.ofEpochMilli(now)));
    }
    return info;
  }

  private static Optional<Instant> revoked(long at, boolean none) {
    return none ? Optional.empty() : Optional.of(Instant.ofEpochMilli(at));
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
