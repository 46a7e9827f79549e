package dev.warren.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The special-purpose address blocks (IANA's IPv4 and IPv6 special-purpose registries) that matter
 * to egress: those the proxy never connects to whatever a policy says ({@link #never}), and those
 * that are not the public internet ({@link #nonPublic}: private networks, shared address space,
 * benchmarking, documentation), which {@code allow: ["*"]} does not cover but an explicit entry may
 * name. IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are
 * judged by the address they carry. Stateless and thread-safe.
 */
final class SpecialAddresses {

  private record Block(byte[] prefix, int bits, String what) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      if (!Arrays.equals(address, 0, whole, prefix, 0, whole)) {
        return false;
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  private static final List<Block> NEVER = List.of(
      block("0.0.0.0/8", "the unspecified address (this host)"),
      block("127.0.0.0/8", "a loopback address (this host)"),
      block("169.254.0.0/16", "a link-local address (cloud metadata)"),
      block("224.0.0.0/4", "a multicast address"),
      block("240.0.0.0/4", "a reserved address"),
      block("::/128", "the unspecified address (this host)"),
      block("::1/128", "a loopback address (this host)"),
      block("fe80::/10", "a link-local address"),
      block("ff00::/8", "a multicast address"));

  private static final List<Block> NON_PUBLIC = List.of(
      block("10.0.0.0/8", "a private address (10.0.0.0/8)"),
      block("172.16.0.0/12", "a private address (172.16.0.0/12)"),
      block("192.168.0.0/16", "a private address (192.168.0.0/16)"),
      block("100.64.0.0/10", "a shared (carrier-grade NAT) address (100.64.0.0/10)"),
      block("192.0.0.0/24", "an IETF protocol address (192.0.0.0/24)"),
      block("192.0.2.0/24", "a documentation address (192.0.2.0/24)"),
      block("198.51.100.0/24", "a documentation address (198.51.100.0/24)"),
      block("203.0.113.0/24", "a documentation address (203.0.113.0/24)"),
      block("198.18.0.0/15", "a benchmarking address (198.18.0.0/15)"),
      block("192.88.99.0/24", "a 6to4 relay address (192.88.99.0/24)"),
      block("fc00::/7", "a unique local IPv6 address (fc00::/7)"),
      block("fec0::/10", "a site-local IPv6 address (fec0::/10)"),
      block("100::/64", "a discard-only IPv6 address (100::/64)"),
      block("64:ff9b:1::/48", "a local-use NAT64 address (64:ff9b:1::/48)"),
      block("2001::/23", "an IETF protocol IPv6 address (2001::/23)"),
      block("2001:db8::/32", "a documentation IPv6 address (2001:db8::/32)"),
      block("3fff::/20", "a documentation IPv6 address (3fff::/20)"),
      block("5f00::/16", "an SRv6 SID address (5f00::/16)"));

  private static final Block V4_COMPATIBLE = block("::/96", "");
  private static final Block V4_MAPPED = block("::ffff:0:0/96", "");
  private static final Block NAT64 = block("64:ff9b::/96", "");
  private static final Block SIX_TO_FOUR = block("2002::/16", "");

  private SpecialAddresses() {}

  /** Why the proxy never connects to {@code address}, whatever a policy says; empty if it may. */
  static Optional<String> never(InetAddress address) {
    byte[] a = address.getAddress();
    Optional<String> own = find(NEVER, a);
    if (own.isPresent()) {
      return own;
    }
    return embedded(address).flatMap(v4 -> never(v4).map(why -> carrying(address, v4, why)));
  }

  /** The kind of non-public address this is (one {@code *} does not reach); empty for a public one. */
  static Optional<String> nonPublic(InetAddress address) {
    Optional<String> own = find(NON_PUBLIC, address.getAddress());
    if (own.isPresent()) {
      return own;
    }
    return embedded(address).flatMap(v4 -> nonPublic(v4).map(why -> carrying(address, v4, why)));
  }

  /** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 or 6to4), if any. */
  static Optional<Inet4Address> embedded(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return Optional.empty();
    }
    byte[] a = address.getAddress();
    if (V4_MAPPED.contains(a) || V4_COMPATIBLE.contains(a) || NAT64.contains(a)) {
      return Optional.of(v4(Arrays.copyOfRange(a, 12, 16)));
    }
    if (SIX_TO_FOUR.contains(a)) {
      return Optional.of(v4(Arrays.copyOfRange(a, 2, 6)));
    }
    return Optional.empty();
  }

  private static String carrying(InetAddress outer, Inet4Address inner, String why) {
    return why + ", carried in IPv6 as " + outer.getHostAddress() + " (" + inner.getHostAddress() + ")";
  }

  private static Optional<String> find(List<Block> blocks, byte[] address) {
    for (Block b : blocks) {
      if (b.contains(address)) {
        return Optional.of(b.what());
      }
    }
    return Optional.empty();
  }

  private static Inet4Address v4(byte[] bytes) {
    try {
      return (Inet4Address) InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Block block(String cidr, String what) {
    int slash = cidr.indexOf('/');
    String text = cidr.substring(0, slash);
    byte[] prefix = InetAddress.ofLiteral(text).getAddress();
    if (prefix.length == 4 && text.contains(":")) { // Java reads ::ffff:a.b.c.d as IPv4: keep the IPv6 form
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(prefix, 0, mapped, 12, 4);
      prefix = mapped;
    }
    return new Block(prefix, Integer.parseInt(cidr.substring(slash + 1)), what);
  }
}
