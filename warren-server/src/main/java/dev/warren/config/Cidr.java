package dev.warren.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 network such as {@code 10.200.0.0/20}; the address is normalised to the network. */
public record Cidr(int network, int prefix) {

  public Cidr {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix must be 0..32, got " + prefix);
    }
    network = network & mask(prefix);
  }

  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("expected an IPv4 network like 10.200.0.0/20, got '" + text + "'");
    }
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in '" + text + "'");
    }
    return new Cidr(toInt(text.substring(0, slash)), prefix);
  }

  public static int toInt(String dotted) {
    if (!dotted.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new IllegalArgumentException("not an IPv4 address: '" + dotted + "'");
    }
    try {
      byte[] b = InetAddress.getByName(dotted).getAddress();
      return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 address: '" + dotted + "'");
    }
  }

  public static String toDotted(int a) {
    return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }

  public static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  /** Number of addresses in the network. */
  public long size() {
    return 1L << (32 - prefix);
  }

  /** The {@code i}-th address of the network (0 = the network address). */
  public int address(long i) {
    if (i < 0 || i >= size()) {
      throw new IllegalArgumentException("index " + i + " outside " + this);
    }
    return network + (int) i;
  }

  public boolean contains(int addr) {
    return (addr & mask(prefix)) == network;
  }

  public boolean overlaps(Cidr other) {
    int p = Math.min(prefix, other.prefix);
    return (network & mask(p)) == (other.network & mask(p));
  }

  public Inet4Address inet(int addr) {
    try {
      return (Inet4Address) InetAddress.getByName(toDotted(addr));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return toDotted(network) + "/" + prefix;
  }
}
