package dev.warren.store;

import java.util.Objects;

/**
 * An {@code Idempotency-Key} as its sender's: {@code owner} is who sent it (a token's id,
 * {@code admin} for the file token, {@code dashboard} for a dashboard login), {@code key} the
 * header's value. Keys are scoped per owner: the same value from two owners names two requests,
 * and one owner's retry never answers with what another owner's request made.
 */
public record IdempotencyKey(String owner, String key) {
  public IdempotencyKey {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(key, "key");
  }

  /** The SHA-256 (hex) of a request's canonical JSON, stored with the key to tell a retry from another request. */
  public static String requestHash(String requestJson) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(requestJson.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return key;
  }
}
