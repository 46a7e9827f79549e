package dev.warren.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.OutsideHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An egress proxy on 127.0.0.1:0 whose only client is loopback, sandbox {@code sbx_test}. Its
 * destinations live on the {@link OutsideHost#shared() outside host}; names resolve through {@link
 * #RESOLVER}: {@code outside.test} and its sub-domains to the outside host, {@code loopback.test} to
 * 127.0.0.1, anything else as the system resolves it.
 */
final class ProxyFixture implements AutoCloseable {

  static final String SANDBOX = "sbx_test";
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final String OUTSIDE_NAME = "outside.test";
  static final Destinations.Resolver RESOLVER = host -> {
    if (host.equals(OUTSIDE_NAME) || host.endsWith("." + OUTSIDE_NAME)) {
      return new InetAddress[] {OutsideHost.shared().address()};
    }
    if (host.equals("loopback.test")) {
      return new InetAddress[] {LOOPBACK};
    }
    return Destinations.Resolver.SYSTEM.resolve(host);
  };

  final BlockingQueue<EgressEvent> events = new LinkedBlockingQueue<>();
  final AtomicReference<EgressPolicy> policy = new AtomicReference<>(EgressPolicy.DENY_ALL);
  final HttpEgressProxy proxy;

  ProxyFixture() {
    this(HttpEgressProxy.Settings.DEFAULTS, Set.of());
  }

  ProxyFixture(HttpEgressProxy.Settings settings, Set<InetSocketAddress> neverAllowed) {
    this.proxy = HttpEgressProxy.start(
        new InetSocketAddress(LOOPBACK, 0),
        source -> source.isLoopbackAddress()
            ? Optional.of(new EgressProxy.Client(SANDBOX, policy.get()))
            : Optional.empty(),
        neverAllowed,
        EgressGuard.withNetworks(List.of()),
        events::add,
        settings.withResolver(RESOLVER));
  }

  ProxyFixture allow(String... patterns) {
    policy.set(new EgressPolicy(List.of(patterns), Optional.empty()));
    return this;
  }

  ProxyFixture allowVia(URI upstream, String... patterns) {
    policy.set(new EgressPolicy(List.of(patterns), Optional.of(upstream)));
    return this;
  }

  InetSocketAddress address() {
    return proxy.address();
  }

  RawClient client() throws IOException {
    return new RawClient(address());
  }

  /** The next event; fails the test if none arrives within five seconds. */
  EgressEvent nextEvent() throws InterruptedException {
    EgressEvent event = events.poll(5, TimeUnit.SECONDS);
    assertThat(event).as("an egress event within 5 s").isNotNull();
    return event;
  }

  @Override
  public void close() {
    proxy.close();
  }
}
