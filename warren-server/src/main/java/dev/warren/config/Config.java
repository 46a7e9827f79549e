package dev.warren.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Warren's validated, immutable configuration. Built once at start-up from {@code WARREN_*}
 * environment variables over an optional file ({@code WARREN_CONFIG}); every error names the
 * setting and the bad value.
 */
public record Config(
    InetSocketAddress listen,
    Path dataDir,
    Path imagesDir,
    Optional<String> dbUrl,
    Optional<String> dbUser,
    Optional<String> dbPassword,
    Path hostStateDir,
    Optional<String> bridge,
    Optional<Cidr> subnet,
    int proxyPort,
    int maxSandboxes,
    SandboxDefaults sandboxDefaults,
    Optional<Path> crun,
    Duration idleCheckInterval,
    int browserPool,
    Guards guards) {

  /** Settings a caller may leave out of a sandbox create, and the limits' bounds. */
  public record SandboxDefaults(String image, int memoryMb, int pids, double cpus, Duration idleTimeout) {
    public SandboxDefaults {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
  }

  public static final Set<String> SETTINGS = Set.of(
      "WARREN_CONFIG", "WARREN_LISTEN", "WARREN_DATA", "WARREN_IMAGES", "WARREN_DB_URL", "WARREN_DB_USER",
      "WARREN_DB_PASSWORD", "WARREN_HOST_STATE", "WARREN_BRIDGE", "WARREN_SUBNET", "WARREN_PROXY_PORT",
      "WARREN_MAX_SANDBOXES", "WARREN_DEFAULT_IMAGE", "WARREN_DEFAULT_MEMORY_MB", "WARREN_DEFAULT_PIDS",
      "WARREN_DEFAULT_CPUS", "WARREN_IDLE_TIMEOUT", "WARREN_CRUN", "WARREN_IDLE_CHECK_INTERVAL",
      "WARREN_MIRROR", "WARREN_LOG_LEVEL", "WARREN_BROWSER_POOL", "WARREN_RATE_LIMIT", "WARREN_MIN_FREE_SPACE",
      "WARREN_DB_TIMEOUT");

  public Config {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(imagesDir, "imagesDir");
    Objects.requireNonNull(sandboxDefaults, "sandboxDefaults");
    Objects.requireNonNull(guards, "guards");
    if (!dataDir.isAbsolute()) {
      throw new ConfigException("WARREN_DATA: must be an absolute path, got " + dataDir);
    }
    if (!imagesDir.isAbsolute()) {
      throw new ConfigException("WARREN_IMAGES: must be an absolute path, got " + imagesDir);
    }
  }

  /** Reads the settings from the process environment. */
  public static Config fromEnvironment() {
    return from(System.getenv());
  }

  public static Config from(Map<String, String> env) {
    Settings s = Settings.from(env, SETTINGS);
    InetSocketAddress listen = listenAddress(s.string("WARREN_LISTEN", "127.0.0.1:7070"));
    Path data = absolute("WARREN_DATA", s.string("WARREN_DATA", "/var/lib/warren"));
    Path images = absolute("WARREN_IMAGES", s.string("WARREN_IMAGES", "/var/lib/warren/images"));
    Optional<String> db = s.get("WARREN_DB_URL");
    db.ifPresent(url -> {
      if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
        throw new ConfigException("WARREN_DB_URL: expected jdbc:sqlite:… or jdbc:postgresql:…, got '" + url + "'");
      }
    });
    Optional<String> bridge = s.get("WARREN_BRIDGE");
    bridge.ifPresent(b -> {
      if (!b.matches("[a-zA-Z][a-zA-Z0-9_-]{0,14}")) {
        throw new ConfigException("WARREN_BRIDGE: expected an interface name of at most 15 letters, digits, - or _, got '" + b + "'");
      }
    });
    Optional<Cidr> subnet = s.get("WARREN_SUBNET").map(v -> {
      try {
        Cidr c = Cidr.parse(v);
        if (c.prefix() > 24 || c.prefix() < 8) {
          throw new ConfigException("WARREN_SUBNET: prefix must be between /8 and /24, got " + v);
        }
        return c;
      } catch (IllegalArgumentException e) {
        throw new ConfigException("WARREN_SUBNET: " + e.getMessage());
      }
    });
    int proxyPort = s.integer("WARREN_PROXY_PORT", 3128, 1, 65535);
    int max = s.integer("WARREN_MAX_SANDBOXES", 1024, 1, 1024);
    SandboxDefaults defaults = new SandboxDefaults(
        s.string("WARREN_DEFAULT_IMAGE", "base"),
        s.integer("WARREN_DEFAULT_MEMORY_MB", 512, 16, 262144),
        s.integer("WARREN_DEFAULT_PIDS", 512, 8, 1_000_000),
        s.decimal("WARREN_DEFAULT_CPUS", 1.0, 0.01, 1024),
        s.duration("WARREN_IDLE_TIMEOUT", Duration.ofMinutes(30)));
    Optional<Path> crun = s.get("WARREN_CRUN").map(p -> {
      Path path = absolute("WARREN_CRUN", p);
      if (!Files.isExecutable(path)) {
        throw new ConfigException("WARREN_CRUN: not an executable file: " + p);
      }
      return path;
    });
    Duration idleCheck = s.duration("WARREN_IDLE_CHECK_INTERVAL", Duration.ofSeconds(15));
    if (idleCheck.isZero()) {
      throw new ConfigException("WARREN_IDLE_CHECK_INTERVAL: must be positive");
    }
    Path hostState = absolute("WARREN_HOST_STATE", s.string("WARREN_HOST_STATE", "/var/lib/warren-host"));
    int browserPool = s.integer("WARREN_BROWSER_POOL", 0, 0, 64);
    return new Config(listen, data, images, db, s.get("WARREN_DB_USER"), s.get("WARREN_DB_PASSWORD"),
        hostState, bridge, subnet, proxyPort, max, defaults, crun, idleCheck, browserPool, Guards.from(s));
  }

  /** The JDBC URL to use: the configured one, else SQLite in the data directory. */
  public String jdbcUrl() {
    return dbUrl.orElse("jdbc:sqlite:" + dataDir.resolve("warren.db"));
  }

  private static Path absolute(String name, String value) {
    Path p = Path.of(value);
    if (!p.isAbsolute()) {
      throw new ConfigException(name + ": must be an absolute path, got '" + value + "'");
    }
    return p.normalize();
  }

  static InetSocketAddress listenAddress(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new ConfigException("WARREN_LISTEN: expected host:port such as 127.0.0.1:7070, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException("WARREN_LISTEN: port must be a number, got '" + value + "'");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("WARREN_LISTEN: port must be between 0 and 65535, got " + port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new ConfigException("WARREN_LISTEN: unknown host '" + host + "'");
    }
  }
}
