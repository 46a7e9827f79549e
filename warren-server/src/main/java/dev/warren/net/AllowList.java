package dev.warren.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parsed form of {@link EgressPolicy#allow()}: host patterns matched against the host and port a
 * client asked for (not the address it resolves to). Immutable and thread-safe.
 *
 * <p>Patterns: {@code example.com} (that host, any port), {@code *.example.com} (its sub-domains,
 * not the apex), {@code example.com:443}, {@code 10.1.2.3}, {@code 10.1.2.3:8080}, {@code [::1]},
 * {@code [::1]:8080}, {@code *} (everything) and {@code *:443} (any host on port 443). Hosts compare
 * case-insensitively with a trailing dot ignored; IP patterns compare as addresses and only match IP
 * literals, and name patterns only match names.
 *
 * <p>{@code *} and {@code *:port} mean the public internet: a destination they alone allow must not
 * resolve to a private or other non-public address ({@link Grant#PUBLIC}); an explicit name or
 * address pattern reaches private networks too ({@link Grant#EXPLICIT}). Neither reaches what the
 * proxy never connects to (see {@link EgressGuard}).
 */
final class AllowList {

  private final List<Rule> rules;

  private AllowList(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Parses every pattern.
   *
   * @throws IllegalArgumentException naming the first malformed pattern and what is wrong with it
   */
  static AllowList parse(List<String> patterns) {
    Objects.requireNonNull(patterns, "patterns");
    List<Rule> rules = new ArrayList<>(patterns.size());
    for (String pattern : patterns) {
      rules.add(parseRule(pattern));
    }
    return new AllowList(rules);
  }

  /** How far the list lets a client go to a destination. */
  enum Grant {
    /** No pattern matches. */
    NONE,
    /** Only {@code *} or {@code *:port} matches: the public internet. */
    PUBLIC,
    /** A name or address pattern matches: private networks too. */
    EXPLICIT
  }

  Grant grant(Target target) {
    Optional<InetAddress> ip = Target.ipLiteral(target.host());
    Grant grant = Grant.NONE;
    for (Rule rule : rules) {
      if (rule.matches(target, ip)) {
        if (rule.kind() != Kind.ANY_HOST) {
          return Grant.EXPLICIT;
        }
        grant = Grant.PUBLIC;
      }
    }
    return grant;
  }

  boolean allows(Target target) {
    return grant(target) != Grant.NONE;
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  private static Rule parseRule(String pattern) {
    if (pattern == null) {
      throw new IllegalArgumentException("egress allow pattern is null");
    }
    try {
      if (pattern.equals("*")) {
        return new Rule(Kind.ANY_HOST, "", null, Target.ANY_PORT);
      }
      if (pattern.startsWith("*:")) {
        return new Rule(Kind.ANY_HOST, "", null, Target.parsePort(pattern.substring(2)));
      }
      if (pattern.startsWith("*.")) {
        Target rest = Target.parse(pattern.substring(2), Target.ANY_PORT);
        if (rest.isIpLiteral()) {
          throw new IllegalArgumentException("'*.' must be followed by a domain name");
        }
        return new Rule(Kind.SUBDOMAIN, rest.host(), null, rest.port());
      }
      if (pattern.contains("*")) {
        throw new IllegalArgumentException("'*' is only allowed as '*', '*:port' or a leading '*.'");
      }
      Target target = Target.parse(pattern, Target.ANY_PORT);
      Optional<InetAddress> ip = Target.ipLiteral(target.host());
      return ip.map(a -> new Rule(Kind.ADDRESS, target.host(), a, target.port()))
          .orElseGet(() -> new Rule(Kind.EXACT, target.host(), null, target.port()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "egress allow pattern '" + pattern + "' is invalid: " + e.getMessage(), e);
    }
  }

  private enum Kind {
    ANY_HOST,
    SUBDOMAIN,
    EXACT,
    ADDRESS
  }

  private record Rule(Kind kind, String host, InetAddress address, int port) {

    boolean matches(Target target, Optional<InetAddress> ip) {
      if (port != Target.ANY_PORT && port != target.port()) {
        return false;
      }
      return switch (kind) {
        case ANY_HOST -> true;
        case SUBDOMAIN -> ip.isEmpty() && target.host().endsWith("." + host);
        case EXACT -> ip.isEmpty() && target.host().equals(host);
        case ADDRESS -> ip.isPresent() && ip.get().equals(address);
      };
    }
  }
}
