package dev.warren.net;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Resolves and connects to destinations, refusing Warren's own control plane: the {@code
 * neverAllowed} addresses and the proxy's own listening address. An entry bound to a wildcard
 * address ({@code 0.0.0.0}, {@code ::}) stands for its port on every local address: loopback and the
 * addresses of local interfaces. Thread-safe.
 */
final class Destinations {

  static final String CONTROL_PLANE = "destination is Warren's control plane, a sandbox or a link-local address (cloud metadata)";

  private final List<InetSocketAddress> forbidden;
  private final Predicate<InetAddress> forbiddenNetworks;
  private final Duration connectTimeout;

  Destinations(Set<InetSocketAddress> neverAllowed, InetSocketAddress listen, Duration connectTimeout) {
    this(neverAllowed, a -> false, listen, connectTimeout);
  }

  Destinations(Set<InetSocketAddress> neverAllowed, Predicate<InetAddress> forbiddenNetworks, InetSocketAddress listen,
      Duration connectTimeout) {
    this.forbiddenNetworks = forbiddenNetworks;
    List<InetSocketAddress> all = new ArrayList<>(neverAllowed.size() + 1);
    for (InetSocketAddress entry : neverAllowed) {
      all.add(resolved(entry));
    }
    all.add(resolved(listen));
    this.forbidden = List.copyOf(all);
    this.connectTimeout = connectTimeout;
  }

  private static InetSocketAddress resolved(InetSocketAddress entry) {
    if (!entry.isUnresolved()) {
      return entry;
    }
    InetSocketAddress again = new InetSocketAddress(entry.getHostString(), entry.getPort());
    if (again.isUnresolved()) {
      throw new IllegalArgumentException("neverAllowed entry " + entry + " does not resolve");
    }
    return again;
  }

  boolean isControlPlane(InetAddress address, int port) {
    if (forbiddenNetworks.test(address)) {
      return true;
    }
    boolean local = false;
    boolean localKnown = false;
    for (InetSocketAddress entry : forbidden) {
      if (entry.getPort() != port) {
        continue;
      }
      InetAddress blocked = entry.getAddress();
      if (blocked.equals(address)) {
        return true;
      }
      // a wildcard on either side means "this port on this machine"
      if (blocked.isAnyLocalAddress() || address.isAnyLocalAddress()) {
        if (!localKnown) {
          local = isLocal(address);
          localKnown = true;
        }
        if (local && (address.isAnyLocalAddress() || isLocal(blocked))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isLocal(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return true; // cannot tell: err on the side of refusing
    }
  }

  /** Resolves once; the caller checks and connects to exactly these addresses. */
  InetAddress[] resolve(String host) throws Refusal {
    try {
      return InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new Refusal(502, "cannot resolve host " + host);
    }
  }

  void refuseControlPlane(InetAddress[] addresses, int port, String what) throws Refusal {
    for (InetAddress address : addresses) {
      if (isControlPlane(address, port)) {
        throw new Refusal(403, what);
      }
    }
  }

  /** Where connections get their sockets, so that closing the proxy can abort them. */
  interface Sockets {
    Socket open() throws Refusal;

    void release(Socket socket);
  }

  /**
   * Connects to the first address that answers, all attempts together within the connect timeout.
   *
   * @param name how to name the destination in the reason, e.g. {@code example.com:443}
   */
  Socket connect(Sockets sockets, InetAddress[] addresses, int port, String name) throws Refusal {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    IOException last = null;
    for (InetAddress address : addresses) {
      long remaining = (deadline - System.nanoTime()) / 1_000_000;
      if (remaining <= 0) {
        break;
      }
      Socket socket = sockets.open();
      try {
        socket.connect(new InetSocketAddress(address, port), (int) remaining);
        socket.setTcpNoDelay(true);
        return socket;
      } catch (IOException e) {
        last = e;
        sockets.release(socket);
      }
    }
    throw new Refusal(502, "cannot connect to " + name + ": " + describe(last));
  }

  private String describe(IOException e) {
    return switch (e) {
      case null -> "timed out after " + connectTimeout.toMillis() + " ms";
      case SocketTimeoutException _ -> "timed out after " + connectTimeout.toMillis() + " ms";
      case ConnectException _ -> "connection refused";
      case NoRouteToHostException _ -> "no route to host";
      default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    };
  }
}
