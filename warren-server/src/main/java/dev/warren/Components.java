package dev.warren;

import dev.warren.config.Config;
import dev.warren.host.Instance;
import dev.warren.host.InstanceRegistry;
import dev.warren.net.Network;
import dev.warren.runtime.RuntimeContext;
import dev.warren.runtime.RuntimeSet;

/**
 * The composition root of an instance's host-facing parts: its claim on the host (instance number,
 * bridge, subnet, uid window), its network and its runtimes: every one this build knows, held in
 * one {@link RuntimeSet} that sends each call to the sandbox's own, {@code WARREN_RUNTIME} the default. {@link Server} builds the services over them; {@link Teardown} uses them to remove what
 * the instance made. Nothing on the host is touched but the claim: the caller calls
 * {@code runtime().init()}. Made and closed by one thread; {@link #close()} is idempotent and
 * closes the runtime.
 */
public final class Components implements AutoCloseable {
  private final Instance instance;
  private final Network network;
  private final RuntimeSet runtime;
  private boolean closed;

  private Components(Instance instance, Network network, RuntimeSet runtime) {
    this.instance = instance;
    this.network = network;
    this.runtime = runtime;
  }

  /** Claims the instance of {@code config}'s data directory and makes its network and runtime. */
  public static Components open(Config config) {
    Instance instance = InstanceRegistry.claim(config);
    Network network = Network.bridge(instance, config.proxyPort());
    return new Components(instance, network, RuntimeSet.open(config.runtime(), new RuntimeContext(config, instance, network)));
  }

  public Instance instance() {
    return instance;
  }

  public Network network() {
    return network;
  }

  public RuntimeSet runtime() {
    return runtime;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    runtime.close();
  }
}
