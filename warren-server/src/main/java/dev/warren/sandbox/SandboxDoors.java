package dev.warren.sandbox;

import dev.warren.error.Ids;
import dev.warren.net.EgressProxy;
import dev.warren.net.EgressProxy.Reach;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The egress proxy's view of the sandboxes, from memory (no store read per connection): which
 * running sandbox sits behind a source address, with its policy, and whether a target naming
 * another sandbox (its id as the host, {@code http://sbx_…:3000/}, or its address) is one its
 * policy's {@code reach} opens. A sandbox reaches another only on purpose; everything else on
 * Warren's networks stays refused by the proxy's guard. Thread-safe: it reads the lifecycle's
 * concurrent maps.
 */
final class SandboxDoors implements EgressProxy.Clients {
  private final SandboxLifecycle lifecycle;

  SandboxDoors(SandboxLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public Optional<EgressProxy.Client> lookup(InetAddress source) {
    return lifecycle.egressClient(source.getHostAddress());
  }

  @Override
  public Optional<Reach> reach(EgressProxy.Client from, String host, int port) {
    String id;
    if (Ids.looksLike("sbx", host)) {
      id = host;
    } else {
      Optional<EgressProxy.Client> behind = lifecycle.egressClient(host);
      if (behind.isEmpty()) {
        return Optional.empty();
      }
      id = behind.get().sandboxId();
    }
    if (!from.policy().reaches(id, port)) {
      return Optional.of(Reach.refusedBecause(host + ":" + port + " is Warren sandbox " + id + ", which this sandbox's egress.reach does not "
          + "name (add \"" + id + ":" + port + "\" or \"" + id + "\" to reach)"));
    }
    Optional<String> address = lifecycle.running(id).map(Sandbox::address);
    if (address.isEmpty()) {
      return Optional.of(Reach.refusedBecause("sandbox " + id + " is not running (or does not exist); start it, then try again"));
    }
    return Optional.of(Reach.to(InetAddress.ofLiteral(address.get())));
  }
}
