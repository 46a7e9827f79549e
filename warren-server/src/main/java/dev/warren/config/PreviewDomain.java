package dev.warren.config;

import java.util.Locale;
import java.util.Objects;

/**
 * {@code WARREN_PREVIEW_DOMAIN}: the domain under which every sandbox port gets a host of its own,
 * {@code {port}-{sandbox id}.{domain}} (a wildcard DNS name and, for https, a wildcard certificate
 * pointing at Warren). {@code host} is lowercase; {@code port} is -1 when the URLs name none.
 */
public record PreviewDomain(String host, int port) {
  public PreviewDomain {
    Objects.requireNonNull(host, "host");
  }

  /** Parses {@code domain[:port]}; the error names the setting and the value. */
  public static PreviewDomain parse(String v) {
    String s = v.strip().toLowerCase(Locale.ROOT);
    int colon = s.lastIndexOf(':');
    int port = -1;
    String host = s;
    if (colon > 0) {
      host = s.substring(0, colon);
      try {
        port = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = 0;
      }
      if (port < 1 || port > 65535) {
        throw new ConfigException("WARREN_PREVIEW_DOMAIN: the port must be 1..65535, got '" + v + "'");
      }
    }
    if (!host.matches("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") || host.length() > 200) {
      throw new ConfigException("WARREN_PREVIEW_DOMAIN: expected a DNS name such as preview.example.com (optionally :port), got '" + v + "'");
    }
    return new PreviewDomain(host, port);
  }

  @Override
  public String toString() {
    return port < 0 ? host : host + ":" + port;
  }
}
