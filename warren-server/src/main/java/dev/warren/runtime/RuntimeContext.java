package dev.warren.runtime;

import dev.warren.config.Config;
import dev.warren.host.Instance;
import dev.warren.net.Network;
import java.util.Objects;

/**
 * What a {@link RuntimeFactory} gets to build a runtime: the settings (a runtime reads its own,
 * such as {@code WARREN_CRUN}), the controller instance it runs for,
 * and the instance's network. A runtime owns whatever else it needs (a file watcher, say).
 */
public record RuntimeContext(Config config, Instance instance, Network network) {
  public RuntimeContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(network, "network");
  }
}
