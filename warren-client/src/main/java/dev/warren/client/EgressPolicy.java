package dev.warren.client;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sandbox may reach through Warren's egress proxy.
 *
 * <p>{@code allow} holds host patterns such as {@code example.com}, {@code *.pypi.org},
 * {@code example.com:443} or {@code *}; an empty list denies everything (the server's default).
 * {@code upstreamProxy} is an {@code http://[user:password@]host:port} URL the proxy forwards
 * allowed traffic through; the server never returns its password (answers show {@code ***}), and
 * {@link #toString()} hides it too. {@code reach} names other sandboxes whose apps this one may open
 * on purpose, {@code sbx_…} (every port) or {@code sbx_…:3000} (one port), by the sandbox's id as the
 * host or by its address; sandboxes reach no other sandbox otherwise, and reach is one-way. The
 * server checks the entries' syntax and that the sandboxes exist, answering
 * {@link InvalidInputException} naming {@code egress.reach}.
 */
public record EgressPolicy(List<String> allow, Optional<String> upstreamProxy, List<String> reach) {

  /** Nothing allowed, no upstream proxy, no other sandbox. */
  public static final EgressPolicy DENY_ALL = new EgressPolicy(List.of(), Optional.empty());

  public EgressPolicy {
    allow = List.copyOf(Objects.requireNonNull(allow, "allow"));
    for (String pattern : allow) {
      if (pattern.isBlank()) throw new IllegalArgumentException("egress allow patterns must not be blank");
    }
    Objects.requireNonNull(upstreamProxy, "upstreamProxy");
    upstreamProxy.ifPresent(EgressPolicy::checkProxy);
    reach = List.copyOf(Objects.requireNonNull(reach, "reach"));
    for (String entry : reach) {
      if (entry.isBlank()) throw new IllegalArgumentException("egress reach entries must not be blank");
    }
  }

  /** A policy that reaches no other sandbox. */
  public EgressPolicy(List<String> allow, Optional<String> upstreamProxy) {
    this(allow, upstreamProxy, List.of());
  }

  /** This policy with {@code reach} instead of its own, e.g. {@code List.of("sbx_…:3000")}. */
  public EgressPolicy withReach(List<String> reach) {
    return new EgressPolicy(allow, upstreamProxy, reach);
  }

  private static void checkProxy(String url) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new IllegalArgumentException(
          "upstreamProxy must be an http://[user:password@]host:port URL, got " + masked(url));
    }
  }

  @Override
  public String toString() {
    return "EgressPolicy[allow=" + allow + ", upstreamProxy=" + upstreamProxy.map(EgressPolicy::masked)
        + ", reach=" + reach + "]";
  }

  /** {@code http://user:secret@host} becomes {@code http://user:***@host}. */
  static String masked(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (scheme < 0 || at < scheme) return url;
    int colon = url.indexOf(':', scheme + 3);
    if (colon < 0 || colon > at) return url;
    return url.substring(0, colon + 1) + "***" + url.substring(at);
  }
}
