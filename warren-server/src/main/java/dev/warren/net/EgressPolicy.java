package dev.warren.net;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sandbox may reach through Warren's egress proxy.
 *
 * <p>{@code allow} holds host patterns: {@code example.com}, {@code *.example.com} (sub-domains only),
 * {@code example.com:443}, {@code 10.1.2.3}, {@code 10.1.2.3:8080}, {@code [::1]:8080}, or {@code *}
 * (any host). A pattern without a port allows every port. An empty list denies everything, which
 * is the default. {@code upstreamProxy}, when present, is an {@code http://[user:password@]host:port}
 * URL: the proxy forwards allowed traffic through it and adds the credentials itself, so they never
 * enter the sandbox.
 *
 * <p>The constructor validates both: a malformed pattern or proxy URL is an {@link
 * IllegalArgumentException} whose message names the bad entry (with any proxy password masked), fit
 * to return to an API caller as a 400. {@link #toString()} masks the proxy password too.
 */
public record EgressPolicy(List<String> allow, Optional<URI> upstreamProxy, List<String> reach) {

  public static final EgressPolicy DENY_ALL = new EgressPolicy(List.of(), Optional.empty());
  /** A sandbox's id alone (every port of it) or with one port: {@code sbx_…} or {@code sbx_…:3000}. */
  private static final java.util.regex.Pattern REACH = java.util.regex.Pattern.compile("(sbx_[0-9a-z]{26})(?::([0-9]{1,5}))?");

  /** A policy that reaches no other sandbox. */
  public EgressPolicy(List<String> allow, Optional<URI> upstreamProxy) {
    this(allow, upstreamProxy, List.of());
  }

  public EgressPolicy {
    Objects.requireNonNull(reach, "reach");
    for (int i = 0; i < reach.size(); i++) {
      java.util.regex.Matcher m = reach.get(i) == null ? null : REACH.matcher(reach.get(i));
      if (m == null || !m.matches() || (m.group(2) != null && (Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535))) {
        throw new IllegalArgumentException("egress reach entry #" + i + " must be a sandbox id, alone or with a port 1-65535 "
            + "(sbx_…, sbx_…:3000), got '" + reach.get(i) + "'");
      }
    }
    reach = List.copyOf(reach);
    Objects.requireNonNull(allow, "allow");
    for (int i = 0; i < allow.size(); i++) {
      if (allow.get(i) == null) {
        throw new IllegalArgumentException("egress allow pattern #" + i + " is null");
      }
    }
    allow = List.copyOf(allow);
    Objects.requireNonNull(upstreamProxy, "upstreamProxy");
    AllowList.parse(allow);
    upstreamProxy.ifPresent(UpstreamProxy::parse);
  }

  /**
   * Whether this policy lets its sandbox open {@code port} of sandbox {@code sandboxId} (its
   * {@code reach}); nothing else on Warren's networks is ever reachable.
   */
  public boolean reaches(String sandboxId, int port) {
    for (String r : reach) {
      if (r.equals(sandboxId) || r.equals(sandboxId + ":" + port)) {
        return true;
      }
    }
    return false;
  }

  /** The sandbox ids named in {@code reach}, each once. */
  public java.util.Set<String> reachedSandboxes() {
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    reach.forEach(r -> ids.add(r.contains(":") ? r.substring(0, r.indexOf(':')) : r));
    return ids;
  }

  /** This policy with {@code reach} instead of its own. */
  public EgressPolicy withReach(List<String> reach) {
    return new EgressPolicy(allow, upstreamProxy, reach);
  }

  /** The upstream proxy URL with its password replaced by {@code ***}, fit to show or log. */
  public Optional<String> maskedUpstreamProxy() {
    return upstreamProxy.map(UpstreamProxy::mask);
  }

  @Override
  public String toString() {
    return "EgressPolicy[allow=" + allow + ", upstreamProxy="
        + maskedUpstreamProxy().orElse("none") + ", reach=" + reach + "]";
  }
}
