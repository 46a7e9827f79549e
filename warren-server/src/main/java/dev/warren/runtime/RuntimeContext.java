package dev.warren.runtime;

import dev.warren.config.Config;
import dev.warren.host.Instance;
import dev.warren.net.Network;
import java.util.Objects;

/**
 * What a {@link RuntimeFactory} gets to build a runtime: the settings (a runtime reads its own,
 * such as crun's {@code WARREN_CRUN}), the controller instance it runs for, the instance's network
 * and the controller's file watcher. The caller owns and closes {@code watch}.
 */
public record RuntimeContext(Config config, Instance instance, Network network, FileWatch watch) {
  public RuntimeContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(watch, "watch");
  }
}
