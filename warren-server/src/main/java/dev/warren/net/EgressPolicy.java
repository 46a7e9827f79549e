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
public record EgressPolicy(List<String> allow, Optional<URI> upstreamProxy) {

  public static final EgressPolicy DENY_ALL = new EgressPolicy(List.of(), Optional.empty());

  public EgressPolicy {
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

  /** The upstream proxy URL with its password replaced by {@code ***}, fit to show or log. */
  public Optional<String> maskedUpstreamProxy() {
    return upstreamProxy.map(UpstreamProxy::mask);
  }

  @Override
  public String toString() {
    return "EgressPolicy[allow=" + allow + ", upstreamProxy="
        + maskedUpstreamProxy().orElse("none") + "]";
  }
}
