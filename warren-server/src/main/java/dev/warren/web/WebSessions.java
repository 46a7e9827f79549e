package dev.warren.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dashboard login sessions. A login mints a random session id (the cookie value, never the API
 * token) and a random CSRF value the page sends back in a header, and remembers which API token
 * logged in (its id), so that revoking that token ends its sessions. Only the SHA-256 of each id is
 * kept, in memory and in {@code $WARREN_DATA/dashboard-sessions} (mode 0600), so a controller
 * restart does not sign anyone out and a leaked file does not hand out sessions. Sessions expire
 * after a fixed lifetime; logging out removes one. Thread-safe.
 */
public final class WebSessions {
  private static final Logger log = LoggerFactory.getLogger(WebSessions.class);
  static final int MAX_SESSIONS = 1000;

  /** A live session: its CSRF value, when it ends, and the id of the API token that logged in. */
  public record Session(String csrf, Instant expiresAt, String token) {}

  /** A new login: the cookie value to hand to the browser once, and the session. */
  public record Issued(String cookieValue, Session session) {}

  private final Path file;
  private final Duration ttl;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> byHash = new ConcurrentHashMap<>();
  private final ReentrantLock writeLock = new ReentrantLock();

  private WebSessions(Path file, Duration ttl, Clock clock) {
    this.file = file;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Loads the sessions kept in {@code dataDir}; an unreadable file only signs everyone out. */
  public static WebSessions load(Path dataDir, Duration ttl) {
    WebSessions s = new WebSessions(dataDir.resolve("dashboard-sessions"), ttl, Clock.systemUTC());
    s.read();
    return s;
  }

  public Duration ttl() {
    return ttl;
  }

  /** A login with the API token whose id is {@code token}. */
  public Issued create(String token) {
    String id = randomToken();
    Session s = new Session(randomToken(), clock.instant().plus(ttl), token);
    byHash.put(hash(id), s);
    save();
    return new Issued(id, s);
  }

  /** The live session for a cookie value; empty when unknown, expired or signed out. */
  public Optional<Session> find(String cookieValue) {
    if (cookieValue == null || cookieValue.isEmpty() || cookieValue.length() > 200) {
      return Optional.empty();
    }
    Session s = byHash.get(hash(cookieValue));
    if (s == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(s.expiresAt())) {
      byHash.remove(hash(cookieValue));
      return Optional.empty();
    }
    return Optional.of(s);
  }

  /** Ends every session the API token {@code token} logged in (it was revoked). */
  public void removeAllOf(String token) {
    if (byHash.values().removeIf(s -> s.token().equals(token))) {
      save();
    }
  }

  public void remove(String cookieValue) {
    if (cookieValue != null && byHash.remove(hash(cookieValue)) != null) {
      save();
    }
  }

  /** Compares a presented CSRF value with the session's in constant time. */
  public static boolean csrfMatches(Session s, String presented) {
    return presented != null && MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.US_ASCII));
  }

  private void read() {
    if (!Files.exists(file)) {
      return;
    }
    try {
      Instant now = clock.instant();
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        String[] f = line.strip().split(" ");
        // lines of three fields (from before sessions named their token) are dropped: those log in again
        if (f.length == 4 && f[0].length() == 64) {
          Instant expires = Instant.ofEpochSecond(Long.parseLong(f[2]));
          if (now.isBefore(expires)) {
            byHash.put(f[0], new Session(f[1], expires, f[3]));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read dashboard sessions from {} ({}); everyone logs in again", file, e.toString());
    }
  }

  private void save() {
    writeLock.lock();
    try {
      Instant now = clock.instant();
      byHash.values().removeIf(s -> !now.isBefore(s.expiresAt()));
      List<Map.Entry<String, Session>> live = new ArrayList<>(byHash.entrySet());
      if (live.size() > MAX_SESSIONS) {
        live.sort(Comparator.comparing(e -> e.getValue().expiresAt()));
        live.subList(0, live.size() - MAX_SESSIONS).forEach(e -> byHash.remove(e.getKey()));
        live = live.subList(live.size() - MAX_SESSIONS, live.size());
      }
      StringBuilder out = new StringBuilder();
      for (var e : live) {
        out.append(e.getKey()).append(' ').append(e.getValue().csrf()).append(' ').append(e.getValue().expiresAt().getEpochSecond())
            .append(' ').append(e.getValue().token()).append('\n');
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, out, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // the session still works until the next restart
      log.warn("cannot write dashboard sessions to {}: {}", file, e.getMessage());
    } finally {
      writeLock.unlock();
    }
  }

  private String randomToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String hash(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
