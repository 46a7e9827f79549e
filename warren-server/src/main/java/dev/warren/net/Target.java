package dev.warren.net;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A destination host and port as a client named it, in canonical form: host lower-cased, trailing
 * dot dropped, IPv6 literals without brackets. {@code port} is {@link #ANY_PORT} in allow-list
 * patterns that name no port.
 */
record Target(String host, int port) {

  static final int ANY_PORT = -1;

  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
  /** Dotted-quad decimal without leading zeros: the one IPv4 spelling accepted (no {@code 0177.1}, {@code 0x7f.1}, {@code 2130706433}). */
  private static final Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
  /** What resolvers (inet_aton) read as an IPv4 address: dot-separated decimal, octal or hex numbers. */
  private static final Pattern NUMERIC = Pattern.compile("(0x[0-9a-f]*|\\d+)(\\.(0x[0-9a-f]*|\\d+))*");

  /**
   * Parses {@code host}, {@code host:port}, {@code 10.1.2.3:80}, {@code [::1]:8080} (or a bare
   * IPv6 literal when no port is allowed to follow).
   *
   * @param defaultPort the port when none is given, {@link #ANY_PORT}, or {@code 0} to require one
   * @throws IllegalArgumentException with a short reason (without the input; callers add context)
   */
  static Target parse(String authority, int defaultPort) {
    if (authority.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    String host;
    String port = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("unclosed '['");
      }
      host = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("unexpected text after ']'");
        }
        port = rest.substring(1);
      }
      if (!host.contains(":") || ipLiteral(host).isEmpty()) { // ::ffff:a.b.c.d is IPv6 too, though Java reads it as IPv4
        throw new IllegalArgumentException("not an IPv6 address in brackets");
      }
    } else if (authority.indexOf(':') != authority.lastIndexOf(':')) {
      host = authority; // a bare IPv6 literal; it cannot carry a port
      if (ipLiteral(host).isEmpty()) {
        throw new IllegalArgumentException("too many ':'");
      }
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? null : authority.substring(colon + 1);
    }
    String canonical = canonicalHost(host);
    if (!canonical.contains(":") && NUMERIC.matcher(canonical).matches() && !isIpv4(canonical)) {
      throw new IllegalArgumentException("an IPv4 address must be written as four decimal numbers a.b.c.d, without leading zeros");
    }
    if (!canonical.contains(":") && !isHostName(canonical) && !isIpv4(canonical)) {
      throw new IllegalArgumentException("not a valid host name or IP address");
    }
    if (port == null) {
      if (defaultPort == 0) {
        throw new IllegalArgumentException("port required");
      }
      return new Target(canonical, defaultPort);
    }
    return new Target(canonical, parsePort(port));
  }

  static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("port is not a number");
    }
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 1-65535");
    }
    return port;
  }

  static String canonicalHost(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
  }

  /** True for a DNS name: dot-separated labels of letters, digits, '-' and '_', at most 253 long. */
  static boolean isHostName(String host) {
    if (host.isEmpty() || host.length() > 253 || isIpv4Like(host)) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  static boolean isIpv4(String host) {
    return IPV4.matcher(host).matches() && ipLiteral(host).isPresent();
  }

  /** The address for an IPv4 dotted-quad or IPv6 literal; never consults DNS. */
  static Optional<InetAddress> ipLiteral(String host) {
    if (!IPV4.matcher(host).matches() && !host.contains(":")) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.ofLiteral(host));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Names that resolvers would read as (BSD-style) IPv4 literals: all-numeric, or hex labels. */
  private static boolean isIpv4Like(String host) {
    return host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')) || NUMERIC.matcher(host).matches();
  }

  boolean isIpLiteral() {
    return ipLiteral(host).isPresent();
  }

  /** {@code host:port}, IPv6 in brackets; the port is left out when any port is meant. */
  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return port == ANY_PORT ? h : h + ":" + port;
  }
}
