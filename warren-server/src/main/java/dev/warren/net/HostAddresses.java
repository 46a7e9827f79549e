package dev.warren.net;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an address belongs to this host, asked of the kernel at every check: a socket can be
 * bound to an address exactly when the host owns it (any interface, including ones added a moment
 * ago, bridges of other Warren instances, and local routes such as 127.0.0.0/8). Where the host
 * lets sockets bind to foreign addresses ({@code ip_nonlocal_bind}), that test would say yes to
 * everything, so the interfaces' addresses are listed instead (re-read at most once a second).
 * Thread-safe.
 */
final class HostAddresses {

  private static final Logger log = LoggerFactory.getLogger(HostAddresses.class);
  private static final long REFRESH_NANOS = 1_000_000_000L;

  private record Snapshot(long takenAt, boolean nonlocal4, boolean nonlocal6, Set<InetAddress> listed) {}

  private volatile Snapshot snapshot;

  boolean contains(InetAddress address) {
    Snapshot s = current();
    boolean nonlocal = address instanceof Inet4Address ? s.nonlocal4() : s.nonlocal6();
    if (nonlocal) {
      return s.listed().contains(address);
    }
    try (Socket probe = new Socket()) {
      probe.bind(new InetSocketAddress(address, 0));
      return true;
    } catch (BindException e) {
      return false;
    } catch (IOException e) {
      log.warn("cannot tell whether {} is an address of this host ({}); treating it as one", address.getHostAddress(), e.toString());
      return true;
    }
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    long now = System.nanoTime();
    if (s != null && now - s.takenAt() < REFRESH_NANOS) {
      return s;
    }
    boolean n4 = sysctl("net/ipv4/ip_nonlocal_bind");
    boolean n6 = sysctl("net/ipv6/ip_nonlocal_bind");
    Set<InetAddress> listed = n4 || n6 ? listed() : Set.of();
    s = new Snapshot(now, n4, n6, listed);
    snapshot = s;
    return s;
  }

  private static Set<InetAddress> listed() {
    try {
      return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).collect(Collectors.toUnmodifiableSet());
    } catch (SocketException e) {
      throw new IllegalStateException("cannot list this host's network interfaces: " + e.getMessage(), e);
    }
  }

  private static boolean sysctl(String name) {
    try {
      return !Files.readString(Path.of("/proc/sys", name)).strip().equals("0");
    } catch (IOException e) {
      return false; // no such setting (e.g. IPv6 disabled): sockets cannot bind foreign addresses
    }
  }
}
