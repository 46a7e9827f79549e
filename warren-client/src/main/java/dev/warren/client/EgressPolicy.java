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
 * {@link #toString()} hides it too.
 */
public record EgressPolicy(List<String> allow, Optional<String> upstreamProxy) {

  /** Nothing allowed, no upstream proxy. */
  public static final EgressPolicy DENY_ALL = new EgressPolicy(List.of(), Optional.empty());

  public EgressPolicy {
    allow = List.copyOf(Objects.requireNonNull(allow, "allow"));
    for (String pattern : allow) {
      if (pattern.isBlank()) throw new IllegalArgumentException("egress allow patterns must not be blank");
    }
    Objects.requireNonNull(upstreamProxy, "upstreamProxy");
    upstreamProxy.ifPresent(EgressPolicy::checkProxy);
  }

  private static void checkProxy(String url) {
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new IllegalArgumentException(
          "upstreamProxy must be an http://[user:password@]host:port URL, got " + masked(url));
    }
  }

  @Override
  public String toString() {
    return "EgressPolicy[allow=" + allow + ", upstreamProxy=" + upstreamProxy.map(EgressPolicy::masked) + "]";
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
