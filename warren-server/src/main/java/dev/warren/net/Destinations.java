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
import java.util.Optional;
import java.util.Set;

/**
 * Resolves and connects to destinations, refusing what the {@link EgressGuard} refuses and Warren's
 * own control plane: the {@code neverAllowed} addresses and the proxy's own listening address. An
 * entry bound to a wildcard address ({@code 0.0.0.0}, {@code ::}) stands for its port on every local
 * address: loopback and the addresses of local interfaces. Names are resolved once; the caller checks
 * and connects to exactly the addresses returned. Thread-safe.
 */
final class Destinations {

  static final String REFUSED = "destination refused whatever the allow-list says: ";

  /** Name resolution; {@link #SYSTEM} in production. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;

    Resolver SYSTEM = InetAddress::getAllByName;
  }

  private final List<InetSocketAddress> forbidden;
  private final EgressGuard guard;
  private final Resolver resolver;
  private final Duration connectTimeout;

  Destinations(Set<InetSocketAddress> neverAllowed, EgressGuard guard, InetSocketAddress listen, Duration connectTimeout, Resolver resolver) {
    List<InetSocketAddress> all = new ArrayList<>(neverAllowed.size() + 1);
    for (InetSocketAddress entry : neverAllowed) {
      all.add(resolved(entry));
    }
    all.add(resolved(listen));
    this.forbidden = List.copyOf(all);
    this.guard = guard;
    this.resolver = resolver;
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

  private boolean isControlPlane(InetAddress address, int port) {
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
    Optional<InetAddress> literal = Target.ipLiteral(host);
    if (literal.isPresent()) {
      return new InetAddress[] {literal.get()};
    }
    try {
      return resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw new Refusal(502, "cannot resolve host " + host);
    }
  }

  /**
   * Refuses (403, with the reason) when any of the addresses {@code name} resolved to may not be
   * reached.
   *
   * @param name what the client asked for, e.g. {@code example.com}; an IP literal is named once
   * @param publicOnly the allow-list matched by {@code *} alone: the public internet only
   */
  void check(String name, InetAddress[] addresses, int port, boolean publicOnly) throws Refusal {
    for (InetAddress address : addresses) {
      String subject = Target.ipLiteral(name).isPresent()
          ? address.getHostAddress() + " is "
          : name + " resolves to " + address.getHostAddress() + ", ";
      if (isControlPlane(address, port)) {
        throw new Refusal(403, REFUSED + subject + "Warren's control plane (port " + port + ")");
      }
      Optional<String> never = guard.never(address);
      if (never.isPresent()) {
        throw new Refusal(403, REFUSED + subject + never.get());
      }
      Optional<String> notPublic = publicOnly ? guard.notPublic(address) : Optional.empty();
      if (notPublic.isPresent()) {
        throw new Refusal(403, "destination refused: " + subject + notPublic.get());
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
