package dev.warren.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

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

  /** Which sandbox sits behind a source address, and its policy; empty for unknown sources. */
  @FunctionalInterface
  interface Clients {
    Optional<Client> lookup(InetAddress source);
  }

  record Client(String sandboxId, EgressPolicy policy) {}

  /**
   * @param listen where to accept connections (the bridge address in production, loopback in tests)
   * @param neverAllowed destinations refused whatever a policy says (the controller's own API); an
   *     entry on a wildcard address covers its port on every local address. The proxy's own
   *     address is always refused too.
   * @param events receives exactly one event per connection once it ends, on a proxy thread
   *     (concurrently for concurrent connections); it should be quick, and exceptions it throws are
   *     logged and otherwise ignored
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  static EgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      Consumer<EgressEvent> events) {
    return HttpEgressProxy.start(
        listen, clients, neverAllowed, events, HttpEgressProxy.Settings.DEFAULTS);
  }

  /**
   * As {@link #start(InetSocketAddress, Clients, Set, Consumer)}, also refusing every destination
   * address {@code forbiddenNetworks} matches (the sandboxes' own subnet: sandboxes never reach each
   * other, not even through the proxy).
   */
  static EgressProxy start(
      InetSocketAddress listen,
      Clients clients,
      Set<InetSocketAddress> neverAllowed,
      Predicate<InetAddress> forbiddenNetworks,
      Consumer<EgressEvent> events) {
    return HttpEgressProxy.start(listen, clients, neverAllowed, forbiddenNetworks, events, HttpEgressProxy.Settings.DEFAULTS);
  }

  InetSocketAddress address();

  @Override
  void close();
}
