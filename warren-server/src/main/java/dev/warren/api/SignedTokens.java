package dev.warren.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived tokens bound to one target (a browser session's CDP, a live view), for clients that
 * cannot send an Authorization header: {@code wst.<expiry>.<hmac>}, the HMAC-SHA256 of
 * {@code purpose:target:expiry} under a secret kept in {@code $WARREN_DATA/secret} (mode 0600).
 * Thread-safe.
 */
public final class SignedTokens {
  private final byte[] secret;

  private SignedTokens(byte[] secret) {
    this.secret = secret;
  }

  public static SignedTokens load(Path dataDir) {
    Path f = dataDir.resolve("secret");
    try {
      if (!Files.exists(f)) {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        Path tmp = dataDir.resolve("secret.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, Base64.getEncoder().encode(s));
        Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return new SignedTokens(Base64.getDecoder().decode(Files.readString(f).strip()));
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException("cannot read or create the signing secret " + f, e instanceof IOException io ? io : new IOException(e));
    }
  }

  public String issue(String purpose, String target, Duration ttl) {
    long expiry = Instant.now().plus(ttl).getEpochSecond();
    return "wst." + expiry + "." + sign(purpose, target, expiry);
  }

  /** What {@link #verify} found. */
  public enum Verdict {
    VALID, EXPIRED, INVALID
  }

  /** Whether {@code token} was issued for this purpose and target and has not expired. */
  public boolean valid(String token, String purpose, String target) {
    return verify(token, purpose, target) == Verdict.VALID;
  }

  /**
   * {@link Verdict#EXPIRED} only for a token this server signed for this purpose and target whose
   * time is up, so a caller can say "expired" rather than "not valid".
   */
  public Verdict verify(String token, String purpose, String target) {
    if (token == null || !token.startsWith("wst.")) {
      return Verdict.INVALID;
    }
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return Verdict.INVALID;
    }
    long expiry;
    try {
      expiry = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return Verdict.INVALID;
    }
    if (!MessageDigest.isEqual(sign(purpose, target, expiry).getBytes(StandardCharsets.US_ASCII),
        parts[2].getBytes(StandardCharsets.US_ASCII))) {
      return Verdict.INVALID;
    }
    return Instant.now().getEpochSecond() > expiry ? Verdict.EXPIRED : Verdict.VALID;
  }

  private String sign(String purpose, String target, long expiry) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] sig = mac.doFinal((purpose + ":" + target + ":" + expiry).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
