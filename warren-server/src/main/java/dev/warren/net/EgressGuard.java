package dev.warren.net;

import dev.warren.config.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which addresses Warren's egress may connect to, checked after name resolution on the exact
 * address the proxy then connects to. Never, whatever a policy says: loopback, unspecified,
 * link-local, multicast and reserved addresses ({@link SpecialAddresses#never}), any address of
 * this host (asked of the kernel at each check), any Warren instance's sandbox network on this host
 * (from the host registry). {@code allow: ["*"]} reaches the public internet only: private, shared,
 * benchmarking and documentation addresses are refused unless an explicit allow entry (a name or an
 * address) matched, and an upstream proxy may sit on a private network too. IPv6 forms carrying an
 * IPv4 address are judged by that address as well. Thread-safe.
 */
public final class EgressGuard {

  private static final Logger log = LoggerFactory.getLogger(EgressGuard.class);

  private final HostAddresses host = new HostAddresses();
  private final WarrenNetworks warren;

  private EgressGuard(WarrenNetworks warren) {
    this.warren = warren;
  }

  /**
   * @param hostStateDir {@code WARREN_HOST_STATE}, whose registry lists every instance's network
   * @param ownSubnet this instance's sandbox network, refused even if the registry cannot be read
   */
  public static EgressGuard forHost(Path hostStateDir, Cidr ownSubnet) {
    return new EgressGuard(new WarrenNetworks(Objects.requireNonNull(hostStateDir, "hostStateDir"), List.of(ownSubnet)));
  }

  /** Without a registry: only the given networks count as Warren's (tests of the proxy alone). */
  static EgressGuard withNetworks(List<Cidr> warrenNetworks) {
    return new EgressGuard(WarrenNetworks.only(warrenNetworks));
  }

  /**
   * Why the proxy never connects to {@code address}, whatever a policy says, as text that follows
   * "is" ({@code "a loopback address (this host)"}); empty when it may.
   */
  Optional<String> never(InetAddress address) {
    Optional<String> why = always(address);
    if (why.isEmpty()) {
      why = SpecialAddresses.embedded(address).flatMap(this::always)
          .map(w -> w + ", carried in IPv6 as " + address.getHostAddress());
    }
    return why;
  }

  /** What kind of non-public address this is, which {@code *} does not reach; empty for a public one. */
  Optional<String> notPublic(InetAddress address) {
    return SpecialAddresses.nonPublic(address)
        .map(w -> w + ", and \"*\" allows the public internet only: name it in the allow-list to reach it");
  }

  private Optional<String> always(InetAddress address) {
    Optional<String> special = SpecialAddresses.never(address);
    if (special.isPresent()) {
      return special;
    }
    if (host.contains(address)) {
      return Optional.of("an address of Warren's host");
    }
    try {
      return warren.find(address);
    } catch (RuntimeException e) {
      log.warn("cannot check {} against the Warren networks on this host: {}", address.getHostAddress(), e.getMessage());
      return Optional.of("not known to be outside Warren's networks (the host registry cannot be read)");
    }
  }

  /**
   * Checks a policy's upstream proxy where it is created: it must not be on this host, a Warren
   * network or a never-reachable address. A name that does not resolve now passes (the proxy checks
   * again at each connection).
   *
   * @throws IllegalArgumentException naming {@code upstreamProxy} (password masked) and the reason
   */
  public void checkUpstreamProxy(EgressPolicy policy) {
    if (policy.upstreamProxy().isEmpty()) {
      return;
    }
    UpstreamProxy upstream = UpstreamProxy.parse(policy.upstreamProxy().get());
    String host = upstream.address().host();
    InetAddress[] addresses;
    try {
      addresses = Target.ipLiteral(host).map(a -> new InetAddress[] {a}).orElse(null);
      if (addresses == null) {
        addresses = InetAddress.getAllByName(host);
      }
    } catch (UnknownHostException e) {
      return;
    }
    for (InetAddress a : addresses) {
      Optional<String> why = never(a);
      if (why.isPresent()) {
        String what = Target.ipLiteral(host).isPresent() ? a.getHostAddress() + " is " : host + " resolves to " + a.getHostAddress() + ", ";
        throw new IllegalArgumentException("egress upstreamProxy '" + policy.maskedUpstreamProxy().orElse("") + "' is refused: "
            + what + why.get() + "; an upstream proxy must be outside Warren's host and networks");
      }
    }
  }
}
