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
    String runtime,
    Optional<Path> crun,
    Duration idleCheckInterval,
    int browserPool,
    String mirror,
    Guards guards,
    Duration shutdownGrace,
    Logging logging,
    Duration auditRetention,
    Optional<java.net.URI> publicUrl,
    java.util.List<String> buildImages,
    EgressLimits egress,
    SeccompAllow seccompAllow,
    boolean reserveDisks,
    int diskPool,
    int sessionQueueMax,
    Optional<PreviewDomain> previewDomain,
    String browserIdleAction,
    SandboxPoolSetting sandboxPool,
    RegistrySettings registries) {

  /** Where and how much the controller logs; {@code dir} empty: standard output only. */
  public record Logging(String level, Optional<Path> dir, long maxTotalBytes, Duration retention) {
    public Logging {
      Objects.requireNonNull(level, "level");
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(retention, "retention");
    }
  }

  /**
   * Settings a caller may leave out of a sandbox create, and the limits' bounds.
   *
   * @param diskMb size of a sandbox's disk ({@code WARREN_DEFAULT_DISK_MB}); its inodes follow from it
   * @param idleAction what an idle sandbox's timeout does, {@code stop} or {@code pause} ({@code WARREN_IDLE_ACTION})
   * @param pausedTimeout a paused sandbox idle this long is stopped, zero never ({@code WARREN_PAUSED_TIMEOUT})
   */
  public record SandboxDefaults(String image, int memoryMb, int pids, double cpus, Duration idleTimeout, int diskMb, String idleAction,
      Duration pausedTimeout) {
    public SandboxDefaults {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      Objects.requireNonNull(pausedTimeout, "pausedTimeout");
      if (!"stop".equals(idleAction) && !"pause".equals(idleAction)) {
        throw new ConfigException("WARREN_IDLE_ACTION: expected stop or pause, got '" + idleAction + "'");
      }
      if (pausedTimeout.compareTo(Duration.ofDays(30)) > 0) {
        throw new ConfigException("WARREN_PAUSED_TIMEOUT: must be at most 30 days, got " + pausedTimeout.toSeconds() + " s");
      }
    }
  }

  /** Every setting's name (the {@link Catalog}); unknown names in a config file are refused. */
  public static final Set<String> SETTINGS = Catalog.names();

  public Config {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(imagesDir, "imagesDir");
    Objects.requireNonNull(sandboxDefaults, "sandboxDefaults");
    Objects.requireNonNull(guards, "guards");
    Objects.requireNonNull(mirror, "mirror");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(auditRetention, "auditRetention");
    Objects.requireNonNull(publicUrl, "publicUrl");
    Objects.requireNonNull(previewDomain, "previewDomain");
    Objects.requireNonNull(browserIdleAction, "browserIdleAction");
    Objects.requireNonNull(sandboxPool, "sandboxPool");
    Objects.requireNonNull(registries, "registries");
    if (!"close".equals(browserIdleAction) && !"pause".equals(browserIdleAction)) {
      throw new ConfigException("WARREN_BROWSER_IDLE_ACTION: expected close or pause, got '" + browserIdleAction + "'");
    }
    Objects.requireNonNull(egress, "egress");
    Objects.requireNonNull(seccompAllow, "seccompAllow");
    Objects.requireNonNull(runtime, "runtime");
    if (!dev.warren.runtime.Runtimes.names().contains(runtime)) {
      throw new ConfigException("WARREN_RUNTIME: unknown runtime '" + runtime + "'; known runtimes: "
          + String.join(", ", dev.warren.runtime.Runtimes.names()));
    }
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
        s.duration("WARREN_IDLE_TIMEOUT", Duration.ofMinutes(30)),
        s.integer("WARREN_DEFAULT_DISK_MB", 10240, 16, 1_048_576),
        s.string("WARREN_IDLE_ACTION", "stop"),
        s.duration("WARREN_PAUSED_TIMEOUT", Duration.ZERO));
    String allocation = s.string("WARREN_DISK_ALLOCATION", "sparse");
    if (!allocation.equals("sparse") && !allocation.equals("reserved")) {
      throw new ConfigException("WARREN_DISK_ALLOCATION: expected sparse or reserved, got '" + allocation + "'");
    }
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
    String mirror = s.string("WARREN_MIRROR", "http://deb.debian.org/debian");
    if (!mirror.matches("(https?|file)://\\S+")) {
      throw new ConfigException("WARREN_MIRROR: expected an http(s) or file URL of a Debian archive, got '" + mirror + "'");
    }
    Duration grace = s.duration("WARREN_SHUTDOWN_GRACE", Duration.ofSeconds(10));
    if (grace.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("WARREN_SHUTDOWN_GRACE: must be at most 10m, got " + s.string("WARREN_SHUTDOWN_GRACE", ""));
    }
    return new Config(listen, data, images, db, s.get("WARREN_DB_USER"), s.get("WARREN_DB_PASSWORD"),
        hostState, bridge, subnet, proxyPort, max, defaults, s.string("WARREN_RUNTIME", "crun"), crun, idleCheck, browserPool, mirror, Guards.from(s), grace, logging(s, data),
        s.duration("WARREN_AUDIT_RETENTION", Duration.ofDays(90)), s.get("WARREN_PUBLIC_URL").map(Config::publicUrl), buildImages(s),
        EgressLimits.from(s), s.get("WARREN_SECCOMP_ALLOW").map(SeccompAllow::parse).orElse(SeccompAllow.NONE),
        allocation.equals("reserved"), s.integer("WARREN_DISK_POOL", 2, 0, 64),
        s.integer("WARREN_SESSION_QUEUE_MAX", 256, 1, 100_000), s.get("WARREN_PREVIEW_DOMAIN").map(PreviewDomain::parse),
        s.string("WARREN_BROWSER_IDLE_ACTION", "close"), s.get("WARREN_SANDBOX_POOL").map(SandboxPoolSetting::parse).orElse(SandboxPoolSetting.NONE),
        RegistrySettings.from(s));
  }

  /** {@code WARREN_BUILD_IMAGES}: recipe names, comma-separated (whether each is a recipe is checked when the builds start). */
  private static java.util.List<String> buildImages(Settings s) {
    java.util.List<String> names = java.util.Arrays.stream(s.string("WARREN_BUILD_IMAGES", "").split(",")).map(String::strip)
        .filter(n -> !n.isEmpty()).toList();
    for (String n : names) {
      if (!n.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
        throw new ConfigException("WARREN_BUILD_IMAGES: expected image names separated by commas (e.g. browser), got '" + n + "'");
      }
    }
    return names;
  }

  /** {@code http(s)://host[:port][/prefix]}: where clients reach this Warren, for the URLs it hands out. */
  private static java.net.URI publicUrl(String v) {
    java.net.URI u;
    try {
      u = new java.net.URI(v);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("WARREN_PUBLIC_URL: not a URL: '" + v + "' (" + e.getReason() + ")");
    }
    if (u.getScheme() == null || !u.getScheme().matches("https?") || u.getHost() == null || u.getRawUserInfo() != null
        || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new ConfigException("WARREN_PUBLIC_URL: expected http(s)://host[:port][/path], without user, query or fragment, got '" + v + "'");
    }
    return u;
  }

  private static Logging logging(Settings s, Path data) {
    String level = s.string("WARREN_LOG_LEVEL", "INFO").toUpperCase(java.util.Locale.ROOT);
    if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
      throw new ConfigException("WARREN_LOG_LEVEL: expected TRACE, DEBUG, INFO, WARN or ERROR, got '" + s.string("WARREN_LOG_LEVEL", "") + "'");
    }
    String dir = s.string("WARREN_LOG_DIR", data.resolve("logs").toString());
    Optional<Path> logDir = dir.equals("off") ? Optional.empty() : Optional.of(absolute("WARREN_LOG_DIR", dir));
    long max = s.size("WARREN_LOG_MAX_SIZE", 1L << 30);
    if (max < 1L << 20) {
      throw new ConfigException("WARREN_LOG_MAX_SIZE: must be at least 1MB, got " + s.string("WARREN_LOG_MAX_SIZE", ""));
    }
    Duration retention = s.duration("WARREN_LOG_RETENTION", Duration.ofDays(14));
    if (retention.toDays() < 1) {
      throw new ConfigException("WARREN_LOG_RETENTION: must be at least 1d, got " + s.string("WARREN_LOG_RETENTION", ""));
    }
    return new Logging(level, logDir, max, retention);
  }

  /** Every setting but the database password, which must never reach a log or an error message. */
  @Override
  public String toString() {
    return "Config[listen=" + listen + ", dataDir=" + dataDir + ", imagesDir=" + imagesDir + ", dbUrl="
        + dbUrl.map(u -> u.replaceAll("password=[^&;]*", "password=***")) + ", dbUser=" + dbUser + ", dbPassword="
        + dbPassword.map(p -> "***") + ", hostStateDir=" + hostStateDir + ", bridge=" + bridge + ", subnet=" + subnet + ", proxyPort="
        + proxyPort + ", maxSandboxes=" + maxSandboxes + ", sandboxDefaults=" + sandboxDefaults + ", runtime=" + runtime + ", crun=" + crun
        + ", idleCheckInterval=" + idleCheckInterval + ", browserPool=" + browserPool + ", mirror=" + mirror + ", guards=" + guards
        + ", shutdownGrace=" + shutdownGrace + ", logging=" + logging + ", auditRetention=" + auditRetention + ", publicUrl="
        + publicUrl + ", buildImages=" + buildImages + ", egress=" + egress + ", seccompAllow=" + seccompAllow
        + ", reserveDisks=" + reserveDisks + ", diskPool=" + diskPool + ", sessionQueueMax=" + sessionQueueMax
        + ", previewDomain=" + previewDomain.map(PreviewDomain::toString).orElse("") + ", browserIdleAction=" + browserIdleAction
        + ", sandboxPool=" + sandboxPool + ", registries=" + registries + "]";
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
