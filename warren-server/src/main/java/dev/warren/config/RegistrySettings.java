package dev.warren.config;

import java.net.URI;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where image pulls go.
 *
 * @param mirror {@code WARREN_REGISTRY_MIRROR}: asked instead of the registry a reference names
 *     (trusted as configured: it may be plain http and on any address)
 * @param insecure {@code WARREN_REGISTRY_INSECURE}: {@code host:port}s a pull may reach over
 *     plain http and on loopback or private addresses; every other registry is https on a public address
 */
public record RegistrySettings(Optional<URI> mirror, Set<String> insecure) {
  public static final RegistrySettings NONE = new RegistrySettings(Optional.empty(), Set.of());

  public RegistrySettings {
    Objects.requireNonNull(mirror, "mirror");
    insecure = Set.copyOf(insecure);
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
    return new RegistrySettings(mirror, insecure);
  }
}
