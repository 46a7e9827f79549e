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
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived tokens bound to one target (a browser session's CDP, a live view), for clients that
 * cannot send an Authorization header: {@code wst.<expiry>.<minter>.<hmac>}, the HMAC-SHA256 of
 * {@code purpose:target:expiry:minter} under a secret kept in {@code $WARREN_DATA/secret} (mode
 * 0600). {@code minter} is the API token that asked for it (its id): a signed token dies with it,
 * when that token is revoked. Tokens of the older form {@code wst.<expiry>.<hmac>} name no minter
 * and are refused. Thread-safe.
 */
public final class SignedTokens {
  /** Token ids ({@code admin}, {@code tok_…}, {@code dashboard}): no dots, so the token splits cleanly. */
  private static final Pattern MINTER = Pattern.compile("[a-z][a-z0-9_]{0,39}");

  private final byte[] secret;
  private final Predicate<String> active;

  private SignedTokens(byte[] secret, Predicate<String> active) {
    this.secret = secret;
    this.active = active;
  }

  /** @param active whether a minter (a token id) still counts, see {@link ApiTokens#active} */
  public static SignedTokens load(Path dataDir, Predicate<String> active) {
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
      return new SignedTokens(Base64.getDecoder().decode(Files.readString(f).strip()), active);
    } catch (IOException | IllegalArgumentException e) {
      throw new UncheckedIOException("cannot read or create the signing secret " + f, e instanceof IOException io ? io : new IOException(e));
    }
  }

  /** A token for {@code purpose} on {@code target} until {@code ttl} from now, answered for by the token {@code minter}. */
  public String issue(String purpose, String target, Duration ttl, String minter) {
    if (!MINTER.matcher(minter).matches()) {
      throw new IllegalArgumentException("not a token id: " + minter);
    }
    long expiry = Instant.now().plus(ttl).getEpochSecond();
    return "wst." + expiry + "." + minter + "." + sign(purpose, target, expiry, minter);
  }

  /** Whether what {@code minter} (a token id) mints still counts (it has not been revoked). */
  public boolean active(String minter) {
    return active.test(minter);
  }

  /** What {@link #verify} found. */
  public enum Verdict {
    VALID, EXPIRED, REVOKED, INVALID
  }

  /** The token that answers for a signed token (its minter), read without checking anything. */
  public static Optional<String> minter(String token) {
    String[] parts = token == null ? new String[0] : token.split("\\.");
    return parts.length == 4 && parts[0].equals("wst") ? Optional.of(parts[2]) : Optional.empty();
  }

  /** Whether {@code token} was issued for this purpose and target and has not expired. */
  public boolean valid(String token, String purpose, String target) {
    return verify(token, purpose, target) == Verdict.VALID;
  }

  /**
   * {@link Verdict#EXPIRED} and {@link Verdict#REVOKED} only for a token this server signed for
   * this purpose and target, whose time is up or whose minter was revoked, so a caller can say so
   * rather than "not valid".
   */
  public Verdict verify(String token, String purpose, String target) {
    if (token == null || !token.startsWith("wst.")) {
      return Verdict.INVALID;
    }
    String[] parts = token.split("\\.");
    if (parts.length != 4 || !MINTER.matcher(parts[2]).matches()) {
      return Verdict.INVALID;
    }
    long expiry;
    try {
      expiry = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return Verdict.INVALID;
    }
    if (!MessageDigest.isEqual(sign(purpose, target, expiry, parts[2]).getBytes(StandardCharsets.US_ASCII),
        parts[3].getBytes(StandardCharsets.US_ASCII))) {
      return Verdict.INVALID;
    }
    if (!active.test(parts[2])) {
      return Verdict.REVOKED;
    }
    return Instant.now().getEpochSecond() > expiry ? Verdict.EXPIRED : Verdict.VALID;
  }

  private String sign(String purpose, String target, long expiry, String minter) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] sig = mac.doFinal((purpose + ":" + target + ":" + expiry + ":" + minter).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
