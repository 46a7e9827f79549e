package dev.warren.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where image pulls go, and with which credentials.
 *
 * @param mirror {@code WARREN_REGISTRY_MIRROR}: asked instead of the registry a reference names
 *     (trusted as configured: it may be plain http and on any address)
 * @param insecure {@code WARREN_REGISTRY_INSECURE}: {@code host:port}s a pull may reach over
 *     plain http and on loopback or private addresses; every other registry is https on a public address
 * @param auth {@code WARREN_REGISTRY_AUTH}: credentials by registry host ({@link #hostKey}), read
 *     once at start from a file in Docker's {@code config.json} form that only its owner can read
 */
public record RegistrySettings(Optional<URI> mirror, Set<String> insecure, Map<String, Credentials> auth) {
  public static final RegistrySettings NONE = new RegistrySettings(Optional.empty(), Set.of());

  /** A user name and password (or token) for one registry; never shown: {@link #toString} hides both. */
  public record Credentials(String username, String password) {
    public Credentials {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
    }

    /** The value of an {@code Authorization: Basic} header. */
    public String basic() {
      return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Credentials[username=…, password=…]";
    }
  }

  public RegistrySettings {
    Objects.requireNonNull(mirror, "mirror");
    insecure = Set.copyOf(insecure);
    auth = Map.copyOf(auth);
  }

  public RegistrySettings(Optional<URI> mirror, Set<String> insecure) {
    this(mirror, insecure, Map.of());
  }

  /** The credentials {@code WARREN_REGISTRY_AUTH} gives the registry {@code host} ({@code host[:port]}). */
  public Optional<Credentials> credentialsFor(String host) {
    return Optional.ofNullable(auth.get(hostKey(host)));
  }

  /**
   * A registry as {@code WARREN_REGISTRY_AUTH} and pulls name it: {@code host[:port]} in lower case,
   * without a scheme or path; Docker Hub's names ({@code docker.io}, {@code index.docker.io},
   * {@code https://index.docker.io/v1/} as {@code docker login} writes it) all name the host pulls ask.
   */
  public static String hostKey(String s) {
    String h = s.strip().toLowerCase(java.util.Locale.ROOT).replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
    return switch (h) {
      case "docker.io", "index.docker.io", "registry.hub.docker.com" -> "registry-1.docker.io";
      default -> h;
    };
  }

  static RegistrySettings from(Settings s) {
    Optional<URI> mirror = s.get("WARREN_REGISTRY_MIRROR").filter(v -> !v.isBlank()).map(v -> {
      if (!v.matches("https?://[^\\s/]+/*")) {
        throw new ConfigException("WARREN_REGISTRY_MIRROR: expected the http or https URL of an OCI registry such as https://mirror.example:5000, got '"
            + v + "'");
      }
      return URI.create(v.replaceAll("/+$", ""));
    });
    Set<String> insecure = Arrays.stream(s.string("WARREN_REGISTRY_INSECURE", "").split(",")).map(String::strip).filter(h -> !h.isEmpty())
        .collect(Collectors.toSet());
    for (String h : insecure) {
      if (!h.matches("[A-Za-z0-9.-]+:[0-9]{1,5}|\\[[0-9a-fA-F:]+\\]:[0-9]{1,5}")) {
        throw new ConfigException("WARREN_REGISTRY_INSECURE: expected host:port entries separated by commas, got '" + h + "'");
      }
    }
    Map<String, Credentials> auth = s.get("WARREN_REGISTRY_AUTH").filter(v -> !v.isBlank()).map(v -> readAuth(Path.of(v))).orElse(Map.of());
    return new RegistrySettings(mirror, insecure, auth);
  }

  /**
   * Reads a Docker {@code config.json}: {@code {"auths": {"<registry>": {"auth": base64(user:password)}}}}
   * or {@code {"username": …, "password": …}} per registry. The file holds secrets: one that another
   * host user could read, or a symbolic link, stops the start.
   */
  static Map<String, Credentials> readAuth(Path file) {
    String name = "WARREN_REGISTRY_AUTH";
    if (!file.isAbsolute()) {
      throw new ConfigException(name + ": expected the absolute path of a Docker config.json holding registry credentials, got '" + file + "'");
    }
    if (Files.isSymbolicLink(file) || !Files.isRegularFile(file)) {
      throw new ConfigException(name + ": " + file + " is not a regular file (a symbolic link is refused too)");
    }
    JsonNode root;
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        throw new ConfigException(name + ": " + file + " holds registry credentials but other host users may read it (mode "
            + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "); chmod 600 " + file);
      }
      root = JsonMapper.builder().build().readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot read " + file + ": " + e.getMessage());
    } catch (tools.jackson.core.JacksonException e) {
      throw new ConfigException(name + ": " + file + " is not JSON: " + e.getOriginalMessage());
    }
    JsonNode auths = root.path("auths");
    if (!auths.isObject()) {
      throw new ConfigException(name + ": " + file + " has no \"auths\" object (the form docker login writes: "
          + "{\"auths\": {\"registry.example\": {\"auth\": \"<base64 of user:password>\"}}})");
    }
    Map<String, Credentials> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      JsonNode a = e.getValue();
      String where = name + ": " + file + ", auths." + e.getKey();
      Credentials c;
      if (a.path("auth").isString()) {
        String pair;
        try {
          pair = new String(Base64.getDecoder().decode(a.path("auth").asString().strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException bad) {
          throw new ConfigException(where + ".auth is not base64");
        }
        int colon = pair.indexOf(':');
        if (colon <= 0) {
          throw new ConfigException(where + ".auth is not the base64 of user:password");
        }
        c = new Credentials(pair.substring(0, colon), pair.substring(colon + 1));
      } else if (a.path("username").isString() && a.path("password").isString()) {
        c = new Credentials(a.path("username").asString(), a.path("password").asString());
      } else {
        throw new ConfigException(where + " has neither \"auth\" nor \"username\" and \"password\" (a credential helper is not supported)");
      }
      out.put(hostKey(e.getKey()), c);
    }
    return out;
  }
}
