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

  @Override
  public String toString() {
    return key;
  }
}
