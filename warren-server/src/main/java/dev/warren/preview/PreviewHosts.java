package dev.warren.preview;

import dev.warren.config.PreviewDomain;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hosts of {@code WARREN_PREVIEW_DOMAIN}: {@code {port}-sbx-{id}.{domain}} is port {@code port}
 * of sandbox {@code sbx_{id}} (a hyphen for the id's underscore, which DNS names may not hold;
 * the underscore is taken too). Immutable.
 */
public record PreviewHosts(Optional<PreviewDomain> domain) {

  /** A sandbox port named by a host. */
  public record Port(String sandboxId, int port) {}

  private static Pattern pattern(PreviewDomain d) {
    return Pattern.compile("(\\d{1,5})-sbx[-_]([0-9a-z]{26})\\." + Pattern.quote(d.host()));
  }

  /** The sandbox port a request's host name ({@code getServerName}, no port) stands for; empty for any other host. */
  public Optional<Port> match(String serverName) {
    if (domain.isEmpty() || serverName == null) {
      return Optional.empty();
    }
    Matcher m = pattern(domain.get()).matcher(serverName.toLowerCase(java.util.Locale.ROOT));
    if (!m.matches()) {
      return Optional.empty();
    }
    int port = Integer.parseInt(m.group(1));
    return port >= 1 && port <= 65535 ? Optional.of(new Port("sbx_" + m.group(2), port)) : Optional.empty();
  }

  /** {@code scheme://{port}-sbx-{id}.{domain}[:port]}, without a trailing slash; empty without a preview domain. */
  public Optional<String> origin(String scheme, String sandboxId, int port) {
    return domain.map(d -> scheme + "://" + port + "-" + sandboxId.replace('_', '-') + "." + d);
  }
}
