package dev.warren.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Warren's HTTP and CONNECT egress proxy, the only way out of a sandbox.
 *
 * <p>The proxy identifies the sandbox by the connection's source address, looks up its policy on
 * every connection (so policy changes apply to the next connection), refuses what the policy does
 * not allow with {@code 403} and a plain-text reason, and reports every connection to the event sink
 * once it ends. One virtual thread per connection direction. Thread-safe; {@code close()} is
 * idempotent and ends open connections.
 */
public interface EgressProxy extends AutoCloseable {
  /** Header of every answer the proxy writes itself (a refusal, an unreachable site), so a client can tell it from the site's. */
  String ANSWERED_HEADER = "X-Warren-Egress-Proxy";

  /** Which sandbox sits behind a source address, and its policy; empty for unknown sources. */
  @FunctionalInterface
  interface Clients {
    Optional<Client> lookup(InetAddress source);

    /**
     * What to do with a target that names another of Warren's sandboxes (by id, or by its address):
     * its address when {@code from}'s policy reaches that port of it, a refusal saying why when it
     * does not (or the sandbox does not run); empty for any other target, which the allow-list decides.
     */
    default Optional<Reach> reach(Client from, String host, int port) {
      return Optional.empty();
    }
  }

  /** A target that is a sandbox: where to connect, or why not. */
  record Reach(InetAddress address, Optional<String> refused) {
    public static Reach to(InetAddress address) {
      return new Reach(address, Optional.empty());
    }

    public static Reach refusedBecause(String why) {
      return new Reach(null, Optional.of(why));
    }
  }

  record Client(String sandboxId, EgressPolicy policy) {}

  /**
   * @param listen where to accept connections (the bridge address in production, loopback in tests)
   * @param neverAllowed destinations refused whatever a policy says (the controller's own API); an
   *     entry on a wildcard address covers its port on every local address. The proxy's own
   *     address is always refused too.
   * @param guard the addresses no policy reaches (this host, Warren's networks, loopback, …)
   * @param events receives exactly one event per connection once it ends, on a proxy thread
   *     (concurrently for concurrent connections); it should be quick, and exceptions it throws are
   *     logged and otherwise ignored
   * @param maxConnectionsPerSandbox connections one sandbox may have open at once; past it, 429
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  static EgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      EgressGuard guard,
      Consumer<EgressEvent> events,
      int maxConnectionsPerSandbox) {
    return HttpEgressProxy.start(listen, clients, neverAllowed, guard, events,
        HttpEgressProxy.Settings.DEFAULTS.withMaxConnectionsPerSandbox(maxConnectionsPerSandbox));
  }

  InetSocketAddress address();

  @Override
  void close();
}
