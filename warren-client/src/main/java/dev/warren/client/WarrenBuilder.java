package dev.warren.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configures a {@link Warren} client. Defaults: base URL {@code http://127.0.0.1:7070}, connect
 * timeout 10 s, request timeout 60 s, 5 attempts with backoff from 100 ms up to 5 s. A token is
 * required. Not thread-safe; the client it builds is.
 *
 * <pre>{@code
 * Warren warren = Warren.builder()
 *     .baseUrl("http://127.0.0.1:7070")
 *     .tokenFile(Path.of("/var/lib/warren/token"))
 *     .maxAttempts(3)
 *     .requestTimeout(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 */
public final class WarrenBuilder {

  private URI baseUrl = URI.create("http://127.0.0.1:7070");
  private String token;
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Duration requestTimeout = Duration.ofSeconds(60);
  private Backoff backoff = Backoff.defaults();

  WarrenBuilder() {}

  /** The server's root, e.g. {@code http://127.0.0.1:7070} or {@code https://host/warren}. */
  public WarrenBuilder baseUrl(String url) {
    Objects.requireNonNull(url, "url");
    try {
      return baseUrl(new URI(url));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("baseUrl is not a URL: " + url, e);
    }
  }

  public WarrenBuilder baseUrl(URI url) {
    Objects.requireNonNull(url, "url");
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
      throw new IllegalArgumentException("baseUrl must be http:// or https://, got " + url);
    }
    if (url.getHost() == null) throw new IllegalArgumentException("baseUrl has no host: " + url);
    if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null) {
      throw new IllegalArgumentException("baseUrl must not carry user info, a query or a fragment: " + url);
    }
    String text = url.toString();
    while (text.endsWith("/")) text = text.substring(0, text.length() - 1);
    this.baseUrl = URI.create(text);
    return this;
  }

  /** The API token, sent as {@code Authorization: Bearer <token>} on every call. */
  public WarrenBuilder token(String token) {
    Objects.requireNonNull(token, "token");
    String trimmed = token.strip();
    if (trimmed.isEmpty()) throw new IllegalArgumentException("token must not be blank");
    if (trimmed.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException("token must be printable ASCII without spaces");
    }
    this.token = trimmed;
    return this;
  }

  /** Reads the token from a file now, trimming whitespace, e.g. {@code $WARREN_DATA/token}. */
  public WarrenBuilder tokenFile(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      String text = Files.readString(file);
      if (text.isBlank()) throw new IllegalArgumentException("token file " + file + " is empty");
      return token(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
  }

  public WarrenBuilder connectTimeout(Duration timeout) {
    this.connectTimeout = positive("connectTimeout", timeout);
    return this;
  }

  /** Per-attempt timeout of every call but exec, whose timeout is its own plus 30 s. */
  public WarrenBuilder requestTimeout(Duration timeout) {
    this.requestTimeout = positive("requestTimeout", timeout);
    return this;
  }

  /** Attempts per call, first one included; 1 turns retries off. */
  public WarrenBuilder maxAttempts(int attempts) {
    this.backoff = new Backoff(attempts, backoff.base(), backoff.cap());
    return this;
  }

  /** Backoff between retries: full jitter over {@code min(max, base * 2^(n-1))}. */
  public WarrenBuilder backoff(Duration base, Duration max) {
    this.backoff = new Backoff(backoff.maxAttempts(), positive("backoff base", base), positive("backoff max", max));
    return this;
  }

  /** Builds the client. It makes no call; use {@link Warren#ping()} to check the server. */
  public Warren build() {
    if (token == null) throw new IllegalStateException("no token: call token(…) or tokenFile(…)");
    return new HttpWarren(new ClientConfig(baseUrl, token, connectTimeout, requestTimeout, backoff));
  }

  private static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) throw new IllegalArgumentException(name + " must be positive, got " + value);
    return value;
  }
}
